using BnService.Hosting;
using Orleans.Configuration;

namespace BnService.Cluster;

public static class ClusterMembership
{
    /// <summary>
    /// One node with localhost clustering when <c>Cluster:Redis</c> is empty; otherwise Orleans' Redis
    /// clustering: the node listens on every address on <c>Cluster:SiloPort</c> / <c>Cluster:GatewayPort</c>,
    /// advertises this host's address, and joins the cluster <c>ClusterId</c> / <c>ServiceId</c> registered in Redis.
    /// Membership is tuned so that a node that dies without leaving is declared dead in a few seconds
    /// (Orleans' defaults take about 13 s): probes every second, dead after two missed probes.
    /// </summary>
    public static ISiloBuilder UseLayerClustering(this ISiloBuilder silo, ClusterSettings cluster)
    {
        // A connection string that does not parse: validation stops the start and says why.
        if (!RedisConnection.TryParse(cluster.Redis, out var redis, out _))
        {
            return silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        }

        silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
        silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        });
        return silo;
    }
}
