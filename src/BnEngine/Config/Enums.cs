namespace BnEngine;

/// <summary>Where the channel axis is: last (<c>NHWC</c>) or axis 1 (<c>NCHW</c>).</summary>
public enum DataFormat { Nhwc, Nchw }

/// <summary>Which framework's defaults and rules apply to every field left unset (bn-math.md §12).</summary>
public enum Convention { TensorFlow, Keras, PyTorch }

/// <summary>TF <c>activation_fn</c>, applied after the affine step.</summary>
public enum Activation { None, Relu, Relu6, Elu, Selu, Sigmoid, Tanh, Softplus, LeakyRelu }

/// <summary>TF <c>updates_collections=None</c> (in place) vs <c>UPDATE_OPS</c> (deferred until commit).</summary>
public enum UpdateMode { InPlace, Deferred }

/// <summary>Which batch variance feeds the moving variance; <c>Auto</c> = what the convention does.</summary>
public enum VarianceCorrection { Auto, Biased, Unbiased }
