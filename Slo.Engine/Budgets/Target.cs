namespace Slo.Engine.Budgets;

/// <summary>
/// The share of events (or time slices) that must be good, as a fraction strictly between 0 and 1
/// (0.999 for "three nines"). Native definitions write it in percent, OpenSLO as a fraction.
/// </summary>
public readonly record struct Target
{
    private Target(double fraction) => Fraction = fraction;

    /// <summary>The target as a fraction in (0, 1).</summary>
    public double Fraction { get; }

    /// <summary>The target in percent, in (0, 100).</summary>
    public double Percent => (double)((decimal)Fraction * 100m);

    /// <summary>The allowed bad fraction b = 1 - target, in (0, 1); computed in decimal so 99.9% gives exactly 0.001.</summary>
    public double AllowedBadFraction => (double)(1m - (decimal)Fraction);

    /// <exception cref="ArgumentOutOfRangeException">Unless 0 &lt; <paramref name="fraction"/> &lt; 1.</exception>
    public static Target FromFraction(double fraction)
    {
        if (!IsValidFraction(fraction))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "A target fraction must lie strictly between 0 and 1.");
        return new Target(fraction);
    }

    /// <exception cref="ArgumentOutOfRangeException">Unless 0 &lt; <paramref name="percent"/> &lt; 100.</exception>
    public static Target FromPercent(double percent)
    {
        if (!(percent > 0 && percent < 100))
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A target percentage must lie strictly between 0 and 100.");
        // Decimal division keeps 99.9 -> 0.999 exact instead of 0.9990000000000001.
        return new Target((double)((decimal)percent / 100m));
    }

    public static bool IsValidFraction(double fraction) => fraction > 0 && fraction < 1;

    public override string ToString() => $"{Percent}%";
}
