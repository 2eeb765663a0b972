using Orleans.Serialization;
using Orleans.Storage;

namespace BnService.Storage;

public static class FileStorageExtensions
{
    /// <summary>Registers <see cref="FileGrainStorage"/> under <paramref name="name"/>, keeping its files in <paramref name="folder"/>.</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder silo, string name, string folder)
    {
        silo.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new FileGrainStorage(folder, sp.GetRequiredService<Serializer>()));
        return silo;
    }
}
