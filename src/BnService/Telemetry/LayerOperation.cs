namespace BnService.Telemetry;

/// <summary>What a layer call did with its batch, as the <c>operation</c> tag says it.</summary>
public enum LayerOperation
{
    Train,
    Infer,
    Backward,
}
