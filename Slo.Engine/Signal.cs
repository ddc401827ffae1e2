namespace Slo.Engine;

/// <summary>
/// The kind of promise an objective makes. Reliability (availability, errors) and performance
/// (latency) are reported, alerted on and gated separately; nothing ever blends the two.
/// </summary>
public enum Signal
{
    /// <summary>Availability and error-rate objectives.</summary>
    Reliability,

    /// <summary>Latency objectives.</summary>
    Performance,
}

/// <summary>Text forms of <see cref="Signal"/> as they appear in YAML, JSON and metric labels.</summary>
public static class SignalNames
{
    public const string Reliability = "reliability";
    public const string Performance = "performance";

    public static string ToName(this Signal signal) => signal switch
    {
        Signal.Reliability => Reliability,
        Signal.Performance => Performance,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, null),
    };

    public static bool TryParse(string? text, out Signal signal)
    {
        switch (text)
        {
            case Reliability: signal = Signal.Reliability; return true;
            case Performance: signal = Signal.Performance; return true;
            default: signal = default; return false;
        }
    }
}
