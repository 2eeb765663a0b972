namespace BnService.Tests.Allocations;

/// <summary>
/// The allocation tests run alone: the arrays they count on reusing sit in one pool for the whole process
/// (<see cref="BnService.Layers.TensorBuffers"/>), which tests running alongside would fill with other lengths.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocations";
}
