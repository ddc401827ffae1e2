namespace Slo.Engine.Budgets;

/// <summary>
/// Good and bad event counts over one window. Counts are doubles because Prometheus'
/// <c>increase()</c> extrapolates and returns fractional values.
/// </summary>
public readonly record struct EventCounts
{
    private EventCounts(double good, double bad)
    {
        Good = good;
        Bad = bad;
    }

    public double Good { get; }
    public double Bad { get; }
    public double Total => Good + Bad;

    /// <summary>True when the window holds no events at all: there is nothing to compute an SLI from.</summary>
    public bool IsEmpty => Total <= 0;

    public static EventCounts Empty => default;

    /// <summary>From a total and a bad count. Bad is held within [0, total]: the two come from separate
    /// series whose extrapolated increases can disagree by a fraction of an event.</summary>
    public static EventCounts FromTotalAndBad(double total, double bad)
    {
        CheckCount(total, nameof(total));
        CheckCount(bad, nameof(bad));
        var b = Math.Min(bad, total);
        return new EventCounts(total - b, b);
    }

    /// <summary>From a total and a good count (B = T - good), with good held within [0, total] as above.</summary>
    public static EventCounts FromTotalAndGood(double total, double good)
    {
        CheckCount(total, nameof(total));
        CheckCount(good, nameof(good));
        var g = Math.Min(good, total);
        return new EventCounts(g, total - g);
    }

    /// <summary>Exactly the given good and bad counts (e.g. read back from storage), each a finite count of at least 0.</summary>
    public static EventCounts FromGoodAndBad(double good, double bad)
    {
        CheckCount(good, nameof(good));
        CheckCount(bad, nameof(bad));
        return new EventCounts(good, bad);
    }

    /// <summary>Adds two windows' counts, e.g. consecutive slices.</summary>
    public static EventCounts operator +(EventCounts a, EventCounts b) => new(a.Good + b.Good, a.Bad + b.Bad);

    /// <summary>The fraction of bad events, or null when there are none at all.</summary>
    public double? BadRatio => IsEmpty ? null : Bad / Total;

    private static void CheckCount(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, "An event count must be a finite number of at least 0.");
    }
}
