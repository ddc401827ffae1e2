using System.Globalization;
using System.Text;
using static Slo.Benchmarks.RealisticTraffic;

namespace Slo.Benchmarks;

/// <summary>A Prometheus recording (<see cref="Record"/>) or alerting (<see cref="Alert"/>) rule.</summary>
internal sealed record PromRule(string? Record, string? Alert, string Expr, IReadOnlyList<(string Name, string Value)> Labels, string? For = null)
{
    public static PromRule Recording(string name, string expr, params (string, string)[] labels) => new(name, null, expr, labels);
    public static PromRule Alerting(string name, string expr, string? @for, params (string, string)[] labels) => new(null, name, expr, labels, @for);
}

internal sealed record PromRuleGroup(string Name, IReadOnlyList<PromRule> Rules);

/// <summary>A rule file in Prometheus' YAML format; every group runs at the global evaluation interval.</summary>
internal static class RuleFile
{
    public static string Yaml(IEnumerable<PromRuleGroup> groups)
    {
        var sb = new StringBuilder("groups:\n");
        foreach (var group in groups)
        {
            sb.Append("  - name: ").Append(Quote(group.Name)).Append("\n    rules:\n");
            foreach (var rule in group.Rules)
            {
                sb.Append(rule.Record is { } record ? "      - record: " + record : "      - alert: " + rule.Alert).Append('\n');
                sb.Append("        expr: ").Append(Quote(rule.Expr)).Append('\n');
                if (rule.For is { } @for)
                    sb.Append("        for: ").Append(@for).Append('\n');
                if (rule.Labels.Count > 0)
                {
                    sb.Append("        labels:\n");
                    foreach (var (name, value) in rule.Labels)
                        sb.Append("          ").Append(name).Append(": ").Append(Quote(value)).Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    /// <summary>A duration as Prometheus prints one (its model.Duration): 5m, 1h4m, 4d6h51m, 30d; weeks only when exact.</summary>
    public static string Duration(TimeSpan span)
    {
        var sb = new StringBuilder();
        var rest = (long)span.TotalMilliseconds;
        if (rest % (7 * 86_400_000L) == 0)
            Unit(7 * 86_400_000L, "w");
        foreach (var (size, unit) in new[] { (86_400_000L, "d"), (3_600_000L, "h"), (60_000L, "m"), (1_000L, "s"), (1L, "ms") })
            Unit(size, unit);
        return sb.Length > 0 ? sb.ToString() : "0s";

        void Unit(long size, string unit)
        {
            if (rest / size is var n and > 0)
            {
                sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
                rest -= n * size;
            }
        }
    }
}

/// <summary>
/// The rules Sloth (github.com/slok/sloth) generates for an SLO, in its shape: per SLO one group of SLI recordings
/// (the error ratio over 5m, 30m, 1h, 2h, 6h, 1d and 3d, then the 30-day ratio as the average of the 5m recording
/// over 30 days, Sloth's "optimized" period rule), one group of metadata recordings and one group with the page
/// and ticket multiwindow alerts. Sloth knows only rolling windows: calendar objectives get 30 days.
/// </summary>
internal static class SlothRules
{
    public const string FiveMinuteRatio = "slo:sli_error:ratio_rate5m";
    private static readonly string[] Windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

    public static IEnumerable<PromRuleGroup> Groups(IEnumerable<LedgerObjective> objectives) => objectives.SelectMany(Groups);

    /// <summary>The labels of the 5m recording, as Sloth writes it: what the backfilled history must carry to be continued.</summary>
    public static string FiveMinuteSeries(LedgerObjective o) =>
        $"{FiveMinuteRatio}{{sloth_id=\"{o.Id}\",sloth_service=\"{o.Service}\",sloth_slo=\"{o.Name}\",sloth_window=\"5m\"}}";

    private static IEnumerable<PromRuleGroup> Groups(LedgerObjective o)
    {
        (string, string)[] ids = [("sloth_id", o.Id), ("sloth_service", o.Service), ("sloth_slo", o.Name)];
        var filter = $"{{sloth_id=\"{o.Id}\", sloth_service=\"{o.Service}\", sloth_slo=\"{o.Name}\"}}";
        var sli = Windows.Select(w => PromRule.Recording($"slo:sli_error:ratio_rate{w}", ErrorRatio(o, w), [.. ids, ("sloth_window", w)])).ToList();
        sli.Add(PromRule.Recording("slo:sli_error:ratio_rate30d",
            $"sum_over_time({FiveMinuteRatio}{filter}[30d]) / ignoring (sloth_window) count_over_time({FiveMinuteRatio}{filter}[30d])",
            ("sloth_window", "30d")));
        yield return new PromRuleGroup($"sloth-slo-sli-recordings-{o.Id}", sli);

        var objective = (o.Target / 100).ToString("R", CultureInfo.InvariantCulture);
        var budget = (1 - o.Target / 100).ToString("R", CultureInfo.InvariantCulture);
        string BurnRate(string window) =>
            $"slo:sli_error:ratio_rate{window}{filter} / on(sloth_id, sloth_slo, sloth_service) group_left slo:error_budget:ratio{filter}";
        yield return new PromRuleGroup($"sloth-slo-meta-recordings-{o.Id}",
        [
            PromRule.Recording("slo:objective:ratio", $"vector({objective})", ids),
            PromRule.Recording("slo:error_budget:ratio", $"vector(1-{objective})", ids),
            PromRule.Recording("slo:time_period:days", "vector(30)", ids),
            PromRule.Recording("slo:current_burn_rate:ratio", BurnRate("5m"), ids),
            PromRule.Recording("slo:period_burn_rate:ratio", BurnRate("30d"), ids),
            PromRule.Recording("slo:period_error_budget_remaining:ratio", $"1 - slo:period_burn_rate:ratio{filter}", ids),
            PromRule.Recording("sloth_slo_info", "vector(1)", [.. ids, ("sloth_mode", "cli-gen-prom"), ("sloth_spec", "prometheus/v1"), ("sloth_version", "bench")]),
        ]);

        string Over(string window, double factor) => $"(slo:sli_error:ratio_rate{window}{filter} > ({factor.ToString(CultureInfo.InvariantCulture)} * {budget}))";
        string Alert(string quickShort, string quickLong, double quick, string slowShort, string slowLong, double slow) =>
            $"({Over(quickShort, quick)} and ignoring (sloth_window) {Over(quickLong, quick)}) or ignoring (sloth_window) " +
            $"({Over(slowShort, slow)} and ignoring (sloth_window) {Over(slowLong, slow)})";
        var alert = $"{o.Service}_{o.Name}_slo"; // Sloth's alerts are named in each SLO's spec
        yield return new PromRuleGroup($"sloth-slo-alerts-{o.Id}",
        [
            PromRule.Alerting(alert, Alert("5m", "1h", 14.4, "30m", "6h", 6), null, ("sloth_severity", "page")),
            PromRule.Alerting(alert, Alert("2h", "1d", 3, "6h", "3d", 1), null, ("sloth_severity", "ticket")),
        ]);
    }

    /// <summary>Sloth's "events" SLI: (error query) / (total query), both <c>sum(rate(...[window]))</c>.</summary>
    private static string ErrorRatio(LedgerObjective o, string w) => o.Kind == IndicatorKind.Errors
        ? $"(sum(rate({o.Bad}[{w}]))) / (sum(rate({o.Total}[{w}])))"
        : $"(sum(rate({o.Count}[{w}])) - sum(rate({o.Bucket}[{w}]))) / (sum(rate({o.Count}[{w}])))";
}

/// <summary>
/// The rules Pyrra (github.com/pyrra-dev/pyrra) generates for an objective, in its shape: a "-increase" group with
/// the counters' increase over the whole window (<c>..:increase30d</c>, by the labels the error selector adds) and
/// the absent alerts, and a group of burn-rate recordings over Pyrra's windows scaled to 30 days with the four
/// multiwindow alerts. Pyrra runs the increase group every <see cref="IncreaseInterval"/> for a 30-day window; here
/// every group runs at the global 30 s, as the benchmark compares at one interval (the report also scales the
/// increase groups to Pyrra's interval).
/// </summary>
internal static class PyrraRules
{
    public const string IncreaseGroupSuffix = "-increase";

    /// <summary>Pyrra's own interval for the increase group of a 28-to-35-day window.</summary>
    public static readonly TimeSpan IncreaseInterval = TimeSpan.FromSeconds(150);
    private static readonly TimeSpan Window = TimeSpan.FromDays(30);

    /// <summary>Pyrra's windows(): for 28 days 1h/5m (14x), 6h/30m (7x), 1d/2h (2x), 4d/6h (1x); scaled to the window, rounded to the minute.</summary>
    private static readonly (TimeSpan Short, TimeSpan Long, TimeSpan For, int Factor, string Severity)[] Tiers =
    [
        (Scaled(28 * 24 * 12), Scaled(28 * 24), Scaled(28 * 24 * 30), 14, "critical"),
        (Scaled(28 * 24 * 2), Scaled(28 * 4), Scaled(28 * 24 * 4), 7, "critical"),
        (Scaled(28 * 12), Scaled(28), Scaled(28 * 24), 2, "warning"),
        (Scaled(28 * 4), Scaled(7), Scaled(28 * 8), 1, "warning"),
    ];

    public static IEnumerable<PromRuleGroup> Groups(IEnumerable<LedgerObjective> objectives) => objectives.SelectMany(Groups);

    private static TimeSpan Scaled(int divisor) => TimeSpan.FromMinutes(Math.Round(Window.TotalMinutes / divisor, MidpointRounding.AwayFromZero));

    private static IEnumerable<PromRuleGroup> Groups(LedgerObjective o)
    {
        var window = RuleFile.Duration(Window);
        (string, string)[] labels = [("slo", o.Id), ("job", o.Job)];
        var absentFor = RuleFile.Duration(Tiers[0].For);
        var ratio = o.Kind == IndicatorKind.Errors;
        var metric = ratio ? "http_requests" : "http_request_duration_seconds";
        yield return new PromRuleGroup(o.Id + IncreaseGroupSuffix, ratio
            ?
            [
                PromRule.Recording($"{metric}:increase{window}", $"sum by (code) (increase({o.Total}[{window}]))", labels),
                PromRule.Alerting("SLOMetricAbsent", $"absent({o.Total}) == 1", absentFor, [.. labels, ("severity", "critical")]),
            ]
            :
            [
                PromRule.Recording($"{metric}:increase{window}", $"sum(increase({o.Count}[{window}]))", labels),
                PromRule.Recording($"{metric}:increase{window}", $"sum(increase({o.Bucket}[{window}]))", [.. labels, ("le", o.Le)]),
                PromRule.Alerting("SLOMetricAbsent", $"absent({o.Count}) == 1", absentFor, [.. labels, ("severity", "critical")]),
                PromRule.Alerting("SLOMetricAbsent", $"absent({o.Bucket}) == 1", absentFor, [.. labels, ("le", o.Le), ("severity", "critical")]),
            ]);

        var windows = Tiers.SelectMany(t => new[] { t.Short, t.Long }).Distinct().Order().Select(RuleFile.Duration);
        var rules = windows.Select(w => PromRule.Recording($"{metric}:burnrate{w}", BurnRate(o, w), labels)).ToList();
        var target = (o.Target / 100).ToString("R", CultureInfo.InvariantCulture);
        var matchers = $"{{bench_variant!=\"{o.Variant}\",job=\"{o.Job}\",slo=\"{o.Id}\"}}";
        foreach (var (shortWindow, longWindow, @for, factor, severity) in Tiers)
        {
            string Over(TimeSpan w) => $"{metric}:burnrate{RuleFile.Duration(w)}{matchers} > ({factor} * (1-{target}))";
            rules.Add(PromRule.Alerting("ErrorBudgetBurn", $"{Over(shortWindow)} and {Over(longWindow)}", RuleFile.Duration(@for),
                [.. labels, ("severity", severity), ("short", RuleFile.Duration(shortWindow)), ("long", RuleFile.Duration(longWindow))]));
        }

        yield return new PromRuleGroup(o.Id, rules);
    }

    private static string BurnRate(LedgerObjective o, string w) => o.Kind == IndicatorKind.Errors
        ? $"sum(rate({o.Bad}[{w}])) / sum(rate({o.Total}[{w}]))"
        : $"(sum(rate({o.Count}[{w}])) - sum(rate({o.Bucket}[{w}]))) / sum(rate({o.Count}[{w}]))";
}
