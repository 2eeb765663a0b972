using BnEngine;
using BnService.Layers;
using BnService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BnService.Tests;

/// <summary>The protocol-neutral operations on the grains, as REST and gRPC call them.</summary>
[Collection(SharedServiceCollection.Name)]
public class LayerOperationsTests(SharedService factory)
{
    private ILayerOperations Layers => factory.Services.GetRequiredService<ILayerOperations>();

    [Fact]
    public async Task CreateTrainInferAndDeleteALayer()
    {
        var name = LayerNames.Unique("ops");
        var created = await Layers.CreateAsync(new LayerSpec { Name = name, Channels = 2, Collections = ["ops-test"] }, ReuseMode.Never);
        Assert.True(created.Created);
        Assert.Equal(0, created.Layer.State.Step);

        var input = TensorData.FromFloats(TensorShape.Create([3, 2], "input.shape"), [1f, 2f, 3f, 4f, 5f, 6f]);
        var trained = await Layers.TrainAsync(name, new TrainInput(input, null, "r1"));
        Assert.Equal(1, trained.Step);
        Assert.Equal([3.0, 4.0], trained.BatchMean);

        var again = await Layers.TrainAsync(name, new TrainInput(input, null, "r1"));
        Assert.Equal(1, again.Step);
        Assert.Equal(1, (await Layers.GetAsync(name)).State.Step);

        var inferred = await Layers.InferAsync(name, input);
        Assert.Equal(input.Shape, inferred.Shape);

        Assert.Contains(await Layers.ListAsync(null, "ops-test"), l => l.Config.Name == name);
        await Layers.DeleteAsync(name);
        var missing = await Assert.ThrowsAsync<ServiceException>(() => Layers.GetAsync(name));
        Assert.Equal(ServiceErrorKind.NotFound, missing.Kind);
        Assert.DoesNotContain(await Layers.ListAsync(name, null), l => l.Config.Name == name);
    }
}
