using Slo.Engine.Time;

namespace Slo.Engine.Alerting;

/// <summary>The look-back windows whose burn rates every objective reports.</summary>
public static class BurnWindows
{
    /// <summary>5m, 30m, 1h, 2h, 6h, 1d, 3d: the short and long windows of the default tiers.</summary>
    public static IReadOnlyList<Duration> Reported { get; } =
    [
        Duration.FromMinutes(5),
        Duration.FromMinutes(30),
        Duration.FromHours(1),
        Duration.FromHours(2),
        Duration.FromHours(6),
        Duration.FromDays(1),
        Duration.FromDays(3),
    ];

    /// <summary>The window the exhaustion forecast reads its burn rate from.</summary>
    public static Duration Forecast { get; } = Duration.FromHours(1);

    /// <summary>The label of a window in API answers and metrics: <c>5m</c>, <c>1h</c>, <c>3d</c>.</summary>
    public static string Label(Duration window) => DurationText.Format(window);
}
