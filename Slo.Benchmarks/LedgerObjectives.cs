using System.Globalization;
using System.Text;
using static Slo.Benchmarks.RealisticTraffic;

namespace Slo.Benchmarks;

/// <summary>
/// One objective of the ledger benchmark, with the selectors every approach (the service, Sloth- and Pyrra-style
/// rules) is given. <see cref="Variant"/> adds <c>bench_variant!="vN"</c>, a matcher on a label no series has: it
/// matches everything but makes every objective's query text distinct, so nothing can be shared between objectives.
/// </summary>
internal sealed record LedgerObjective(string Service, string Name, int JobIndex, IndicatorKind Kind, bool Calendar, string Variant)
{
    public string Job => RealisticTraffic.Job(JobIndex);
    public string Id => $"{Service}-{Name}";
    public double Target => Kind == IndicatorKind.Errors ? 99.9 : 99;

    /// <summary>The histogram bound of a latency objective, as the series spell it.</summary>
    public string Le => Kind == IndicatorKind.Slow300Ms ? "0.3" : "1";

    private string Matchers => $"job=\"{Job}\",bench_variant!=\"{Variant}\"";

    public string Bad => $"http_requests_total{{{Matchers},code=~\"5..\"}}";
    public string Total => $"http_requests_total{{{Matchers}}}";
    public string Bucket => $"http_request_duration_seconds_bucket{{{Matchers},le=\"{Le}\"}}";
    public string Count => $"http_request_duration_seconds_count{{{Matchers}}}";

    /// <summary>
    /// N objectives, ten per service: half ratio (5xx over all requests), a quarter latency at 300 ms, a quarter at
    /// 1 s; every fifth over the calendar month in Europe/Berlin, the rest over a rolling 30 days; four consecutive
    /// objectives per job.
    /// </summary>
    public static IReadOnlyList<LedgerObjective> Create(int count, int jobs) =>
        Enumerable.Range(0, count).Select(k => new LedgerObjective(
            $"svc{k / 10:D4}", $"o{k % 10}", k / 4 % jobs,
            (k % 4) switch { 1 => IndicatorKind.Slow300Ms, 3 => IndicatorKind.Slow1S, _ => IndicatorKind.Errors },
            Calendar: k % 5 == 4, Variant: $"v{k}")).ToArray();

    /// <summary>The objectives in the service's own YAML format, one document per service.</summary>
    public static string Definitions(IEnumerable<LedgerObjective> objectives)
    {
        var sb = new StringBuilder();
        foreach (var service in objectives.GroupBy(o => o.Service))
        {
            sb.Append(CultureInfo.InvariantCulture, $"---\napiVersion: slo/v1\nkind: ServiceObjectives\nservice: {service.Key}\nobjectives:\n");
            foreach (var o in service)
            {
                var indicator = o.Kind == IndicatorKind.Errors
                    ? $"{{ ratio: {{ bad: '{o.Bad}', total: '{o.Total}' }} }}"
                    : $"{{ latency: {{ histogram: http_request_duration_seconds, selector: '{{{o.Matchers}}}', threshold: {(o.Kind == IndicatorKind.Slow300Ms ? "300ms" : "1s")} }} }}";
                var window = o.Calendar ? "{ calendar: month, timeZone: Europe/Berlin }" : "30d";
                sb.Append(CultureInfo.InvariantCulture,
                    $"  - {{ name: {o.Name}, target: {o.Target.ToString(CultureInfo.InvariantCulture)}, window: {window}, indicator: {indicator} }}\n");
            }
        }

        return sb.ToString();
    }
}
