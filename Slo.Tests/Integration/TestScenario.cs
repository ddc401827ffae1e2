using Slo.Api.Demo;

namespace Slo.Tests.Integration;

/// <summary>
/// The generated world of the integration tests: eight jobs over 30 days and 2 hours of minute samples ending at
/// <see cref="End"/>, with the events behind every counter known exactly.
/// </summary>
internal sealed class TestScenario
{
    public TestScenario(Instant end)
    {
        End = end;
        Start = end - Duration.FromDays(30) - Duration.FromHours(2);
        Interval Last(Duration d) => new(end - d + Duration.FromMinutes(1), end + Duration.FromMinutes(1));
        var twoDaysAgo = end - Duration.FromDays(2);
        Profiles =
        [
            new TrafficProfile("steady", 1000, 0.0005, 0.005),
            new TrafficProfile("burst", 1000, 0.0002, 0.002, Episodes:
            [
                new Episode(new Interval(twoDaysAgo, twoDaysAgo + Duration.FromMinutes(30)), ErrorRatio: 0.05),
                new Episode(Last(Duration.FromMinutes(30)), ErrorRatio: 0.05),
            ]),
            new TrafficProfile("slowdown", 600, 0.0001, 0.002, Episodes: [new Episode(Last(Duration.FromHours(3)), SlowRatio: 0.10)]),
            new TrafficProfile("restart", 800, 0.001, 0.003, Resets: [end - Duration.FromDays(10), ResetInsideBucket, end - Duration.FromMinutes(30)]),
            new TrafficProfile("gappy", 500, 0.0005, 0.003, Gaps: [new Interval(twoDaysAgo - Duration.FromHours(1), twoDaysAgo)]),
            new TrafficProfile("leaky", 1000, 0.002, 0.003),
            new TrafficProfile("flare", 1000, 0.0002, 0.003, Episodes: [new Episode(new Interval(FlareStart, FlareEnd), ErrorRatio: 0.10)]),
            new TrafficProfile("edges", 900, 0.0003, 0.003, Episodes:
            [
                new Episode(new Interval(EdgeBurstStart, EdgeBurstEnd), ErrorRatio: 0.08),
                new Episode(new Interval(OldEdgeBurstStart, OldEdgeBurstStart + Duration.FromMinutes(13)), ErrorRatio: 0.2),
            ]),
        ];
        Traffic = new SyntheticTraffic(Start, End, Profiles);
    }

    public Instant Start { get; }
    public Instant End { get; }
    public IReadOnlyList<TrafficProfile> Profiles { get; }
    public SyntheticTraffic Traffic { get; }

    /// <summary>The "flare" job fails 10% of its requests from 40 to 10 minutes before the end.</summary>
    public Instant FlareStart => End - Duration.FromMinutes(40);

    public Instant FlareEnd => End - Duration.FromMinutes(10);

    /// <summary>The "edges" job fails 8% of its requests in a burst that starts and ends inside 5-minute buckets.</summary>
    public Instant EdgeBurstStart => Grid(End - Duration.FromMinutes(50)) + Duration.FromMinutes(2);

    public Instant EdgeBurstEnd => Grid(End - Duration.FromMinutes(25)) + Duration.FromMinutes(3);

    /// <summary>A shorter, harder burst of the "edges" job ten days back, where the ledger keeps hourly buckets.</summary>
    public Instant OldEdgeBurstStart => Grid(End - Duration.FromDays(10)) + Duration.FromMinutes(37);

    /// <summary>The "restart" job's counters restart two minutes into a 5-minute bucket, two hours before the end.</summary>
    public Instant ResetInsideBucket => Grid(End - Duration.FromHours(2)) + Duration.FromMinutes(2);

    /// <summary>The 5-minute edge at or before an instant: where the ledger's buckets start.</summary>
    public static Instant Grid(Instant at) => Instant.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds() / 300_000 * 300_000);

    /// <summary>The instant a second burst of the "burst" job was raging (two days before the end).</summary>
    public Instant MidBurst => End - Duration.FromDays(2) + Duration.FromMinutes(25);

    public TrueCounts Truth(string job, Duration window, Instant? at = null)
    {
        var to = at ?? End;
        return Traffic.Truth(job, to - window, to);
    }

    /// <summary>Definitions over the generated jobs, in both formats, with one that cannot work.</summary>
    public const string Definitions = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: steady
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="steady",code=~"5.."}', total: 'http_requests_total{job="steady"}' } }
          - name: latency
            target: 99
            window: 30d
            indicator: { latency: { histogram: http_request_duration_seconds, selector: '{job="steady"}', threshold: 300ms } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: burst
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="burst",code=~"5.."}', total: 'http_requests_total{job="burst"}' } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: slowdown
        objectives:
          - name: latency
            target: 99
            window: 30d
            indicator: { latency: { histogram: http_request_duration_seconds, selector: '{job="slowdown"}', threshold: 300ms } }
          - name: latency-wrong-bound
            target: 99
            window: 30d
            indicator: { latency: { histogram: http_request_duration_seconds, selector: '{job="slowdown"}', threshold: 250ms } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: restart
        objectives:
          - name: availability
            target: 99.5
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="restart",code=~"5.."}', total: 'http_requests_total{job="restart"}' } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: gappy
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { good: 'http_requests_total{job="gappy",code!~"5.."}', total: 'http_requests_total{job="gappy"}' } }
          - name: availability-raw
            target: 99.9
            window: 7d
            indicator:
              ratio:
                badQuery: 'sum(increase(http_requests_total{job="gappy",code="500"}[{{window}}]))'
                totalQuery: 'sum(increase(http_requests_total{job="gappy"}[{{window}}]))'
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: leaky
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="leaky",code=~"5.."}', total: 'http_requests_total{job="leaky"}' } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: flare
        labels: { team: edge }
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="flare",code=~"5.."}', total: 'http_requests_total{job="flare"}' } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: edges
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="edges",code=~"5.."}', total: 'http_requests_total{job="edges"}' } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: idle
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="idle",code=~"5.."}', total: 'http_requests_total{job="idle"}' } }
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata: { name: good-slices }
        spec:
          service: steady
          indicator:
            metadata: { name: steady-good }
            spec:
              ratioMetric:
                counter: true
                bad: { metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job="steady",code="500"}' } } }
                total: { metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job="steady"}' } } }
          timeWindow: [ { duration: 1d, isRolling: true } ]
          budgetingMethod: Timeslices
          objectives: [ { target: 0.9, timeSliceTarget: 0.9995, timeSliceWindow: 10m } ]
        """;
}
