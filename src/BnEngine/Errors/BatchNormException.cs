namespace BnEngine;

/// <summary>
/// The one exception family of the engine. <see cref="Field"/> names the offending request field in API
/// terms (for example <c>input.shape</c> or <c>param_initializers.gamma</c>) and <see cref="Exception.Message"/>
/// is written so that the service can hand it to a client unchanged. A call that throws one changed nothing.
/// </summary>
public abstract class BatchNormException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>A tensor's shape, rank, length or channel count does not fit the call.</summary>
public sealed class InvalidShapeException(string field, string message) : BatchNormException(field, message);

/// <summary>A configuration value or call option is out of range or inconsistent.</summary>
public sealed class InvalidOptionException(string field, string message) : BatchNormException(field, message);

/// <summary>An input holds NaN or an infinity.</summary>
public sealed class NonFiniteInputException(string field, string message) : BatchNormException(field, message);

/// <summary>
/// Every input is finite but a result of the call (output, gradient, loss or a new parameter) would be NaN or
/// outside float32's range: the input is too large for the layer's parameters, or the parameters for the input.
/// </summary>
public sealed class NonFiniteResultException(string field, string message) : BatchNormException(field, message);
