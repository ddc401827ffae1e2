namespace Slo.Api.Demo;

/// <summary>
/// The demo's world, matching <c>slo-definitions/</c>: checkout is healthy, search's latency regressed in the last
/// hours, search-indexer is fine, and payments overspent its budget in an incident ten days ago and burns fast now.
/// </summary>
public static class DemoScenario
{
    /// <summary>How far back the demo data reaches from the moment it is generated.</summary>
    public static readonly Duration History = Duration.FromDays(31);

    /// <summary>How long the live exporter can keep the counters going after the data was generated.</summary>
    public static readonly Duration LiveFor = Duration.FromDays(2);

    public static SyntheticTraffic Create(Instant start, Instant now)
    {
        Interval Ago(Duration from, Duration length) => new(now - from, now - from + length);
        TrafficProfile[] profiles =
        [
            new("checkout", 1200, 0.0003, 0.004),
            new("search", 800, 0.001, 0.01, Episodes: [new Episode(Ago(Duration.FromHours(4), Duration.FromDays(3)), SlowRatio: 0.5)]),
            new("search-indexer", 200, 0.001, 0.002),
            new("payments", 1000, 0.0005, 0.003, Episodes:
            [
                new Episode(Ago(Duration.FromDays(10), Duration.FromHours(12)), ErrorRatio: 0.05),
                new Episode(Ago(Duration.FromMinutes(45), Duration.FromDays(3)), ErrorRatio: 0.03),
            ]),
        ];
        return new SyntheticTraffic(start, now + LiveFor, profiles);
    }
}
