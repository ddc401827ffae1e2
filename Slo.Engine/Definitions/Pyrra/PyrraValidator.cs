using System.Globalization;
using Slo.Engine.Alerting;
using Slo.Engine.Definitions.Native;
using Slo.Engine.Definitions.Yaml;
using Slo.Engine.Time;
using Slo.Engine.Windows;

namespace Slo.Engine.Definitions.Pyrra;

/// <summary>
/// Turns a Pyrra <c>ServiceLevelObjective</c> into an objective, checking what Pyrra's own webhook checks, with its
/// reasons. <c>ratio</c> becomes a ratio of counters (errors = bad); <c>latency</c> becomes the native latency
/// indicator when its success metric is the <c>le</c> bucket of the histogram its total counts, and a ratio of the two
/// counters otherwise; <c>bool_gauge</c> counts the gauge's samples (good = samples at 1); the tiers are Pyrra's four
/// burn-rate windows for the objective's window. The service is the <c>pyrra.dev/service</c> label, else the object's
/// name; other <c>pyrra.dev/</c> labels become the objective's labels, as Pyrra puts them on its rules. A
/// <c>grouping</c> makes a <see cref="GroupedObjective"/>: one objective per combination of the grouping labels' values on
/// the total's series, found by the host in Prometheus.
/// </summary>
internal static class PyrraValidator
{
    public const string ApiVersion = "pyrra.dev/v1alpha1";
    public const string Kind = "ServiceLevelObjective";

    /// <summary>The label prefix Pyrra copies onto its rules.</summary>
    public const string LabelPrefix = "pyrra.dev/";

    /// <summary>The label that names the objective's service.</summary>
    public const string ServiceLabel = "pyrra.dev/service";

    public static ServicePart? Validate(PyrraDocumentDto doc, DiagnosticBag bag)
    {
        var rules = new FieldRules(bag);
        if (doc.Kind is { } kind && kind.Text != Kind)
        {
            rules.Error(kind, $"unknown kind '{kind.Text}' for {ApiVersion}: expected {Kind}");
            return null;
        }

        var name = rules.Name(doc.Name);
        var serviceLabel = doc.Labels?.FirstOrDefault(l => l.Key.Text == ServiceLabel).Value;
        var service = serviceLabel is null ? name : rules.Name(serviceLabel);
        var labels = Labels(doc, rules);
        if (doc.Spec is not { } spec)
            return null;

        foreach (var (at, path) in spec.RuleTuning)
            bag.Warning(at, path, "not used: it tunes the rules Pyrra generates, and this service evaluates the objective itself");

        var target = Target(spec.Target, rules);
        var window = Window(spec.Window, rules);
        var (shape, signal) = spec.Indicator is null ? (null, Signal.Reliability) : Indicator(spec.Indicator, rules);
        var grouping = spec.Indicator is null ? null : Grouping(spec.Indicator, rules);
        var alerting = window is null ? null : Alerting(spec.Alerting, window.Duration, spec, rules);
        if (service is null || name is null || target is null || window is null || shape is null || alerting is null)
            return null;
        if (grouping is null && spec.Indicator?.Kinds is [{ Grouping: not null }])
            return null;
        var objective = new Objective(
            new ObjectiveId(service, name),
            signal,
            target.Value,
            window,
            shape.Build([]),
            BudgetingMethod.Occurrences,
            alerting,
            labels,
            string.IsNullOrEmpty(spec.Description?.Text) ? null : spec.Description.Text,
            doc.At);
        if (grouping is not null)
        {
            // One objective per group of values found in Prometheus: the host discovers them and expands the template.
            return new ServicePart(service, doc.At, new Dictionary<string, string>(), null, [])
            {
                Grouped = [new GroupedObjective(objective, grouping, shape.Discovery, shape.Build) { GroupingAt = spec.Indicator!.Kinds[0].Grouping![0].At }],
            };
        }

        return new ServicePart(service, doc.At, new Dictionary<string, string>(), null, [objective]);
    }

    private static Dictionary<string, string> Labels(PyrraDocumentDto doc, FieldRules rules)
    {
        var propagated = (doc.Labels ?? [])
            .Where(l => l.Key.Text.StartsWith(LabelPrefix, StringComparison.Ordinal) && l.Key.Text != ServiceLabel)
            .Select(l => (l.Key with { Text = l.Key.Text[LabelPrefix.Length..] }, l.Value))
            .ToArray();
        return rules.Labels(propagated);
    }

    private static Budgets.Target? Target(YamlScalar? text, FieldRules rules)
    {
        if (rules.Number(text) is not { } percent)
            return null;
        if (percent is < 0 or > 100)
        {
            rules.Error(text!, "target must be between 0 and 100");
            return null;
        }

        if (percent is 0 or 100)
        {
            rules.Error(text!, $"{FieldRules.Format(percent)} is out of range here: a target leaves some, but not all, events to fail; give a percentage strictly between 0 and 100");
            return null;
        }

        if (percent < 1)
            rules.Bag.Warning(text!.At, text.Path, $"target is from 0-100 ({FieldRules.Format(percent * 100)}), not 0-1 ({FieldRules.Format(percent)}): read as {FieldRules.Format(percent)} percent");
        return Budgets.Target.FromPercent(percent);
    }

    /// <summary>A Prometheus duration, whose <c>y</c> is 365 days by Prometheus' own definition.</summary>
    private static RollingWindow? Window(YamlScalar? text, FieldRules rules)
    {
        if (text is null)
            return null;
        var s = text.Text.Trim();
        var years = 0L;
        var y = s.IndexOf('y', StringComparison.Ordinal);
        if (y > 0 && long.TryParse(s.AsSpan(0, y), NumberStyles.None, CultureInfo.InvariantCulture, out years) && years <= 100)
            s = s[(y + 1)..];
        var length = Duration.FromDays(365 * years);
        if (s.Length > 0)
        {
            if (!DurationText.TryParse(s, out var rest, out var error))
            {
                rules.Error(text, error);
                return null;
            }

            length += rest;
        }

        if (length <= Duration.Zero)
        {
            rules.Error(text, $"'{text.Text}' must be longer than zero");
            return null;
        }

        return new RollingWindow(length);
    }

    /// <summary>How to build the indicator given extra matchers (none for an ungrouped objective, a group's otherwise),
    /// and the series whose labels make the groups.</summary>
    private sealed record IndicatorShape(Func<IReadOnlyList<LabelMatcher>, Indicator> Build, SeriesSelector Discovery);

    private static (IndicatorShape?, Signal) Indicator(PyrraIndicatorDto dto, FieldRules rules)
    {
        var bag = rules.Bag;
        if (dto.Kinds.Count == 0)
        {
            bag.Error(dto.At, dto.Path, "one of ratio, latency, latencyNative or bool_gauge must be set");
            return (null, Signal.Reliability);
        }

        if (dto.Kinds.Count > 1)
        {
            bag.Error(dto.Kinds[1].At, dto.Kinds[1].Path, $"cannot have {dto.Kinds[0].Kind} and {dto.Kinds[1].Kind} indicators at the same time");
            return (null, Signal.Reliability);
        }

        var sli = dto.Kinds[0];
        switch (sli.Kind)
        {
            case "latencyNative":
                bag.Error(sli.At, sli.Path, "native histograms (latencyNative) are not supported: give a classic histogram with latency (success: the le bucket, total: the _count)");
                return (null, Signal.Performance);
            case "ratio":
            {
                var total = Metric(sli, "total", "ratio total", rules);
                var errors = Metric(sli, "errors", "ratio errors", rules);
                if (total is null || errors is null)
                    return (null, Signal.Reliability);
                if (errors.ToString() == total.ToString())
                    bag.Warning(sli.Metrics["errors"].At, sli.Metrics["errors"].Path, "ratio errors metric should be different from ratio total metric");
                return (new IndicatorShape(m => new RatioIndicator(null, With(errors, m), With(total, m)), total), Signal.Reliability);
            }

            case "latency":
            {
                var total = Metric(sli, "total", "latency total", rules);
                var success = Metric(sli, "success", "latency success", rules);
                if (success is not null && Bound(sli, success, rules) is null)
                    success = null;
                if (total is null || success is null)
                    return (null, Signal.Performance);
                return (new IndicatorShape(
                    m => (Indicator?)Latency(With(success, m), With(total, m)) ?? new RatioIndicator(With(success, m), null, With(total, m)), total), Signal.Performance);
            }

            default:
            {
                // A gauge of 0 and 1 sampled over time: good samples are its sum, all samples its count. Both add up
                // over consecutive ranges, as the ledger's buckets need.
                var gauge = Metric(sli, "metric", "boolGauge", rules);
                if (gauge is null)
                    return (null, Signal.Reliability);
                var w = RawRatioIndicator.WindowPlaceholder;
                return (new IndicatorShape(
                    m => new RawRatioIndicator($"sum(sum_over_time({With(gauge, m)}[{w}]))", null, $"sum(count_over_time({With(gauge, m)}[{w}]))"), gauge), Signal.Reliability);
            }
        }
    }

    /// <summary>A group's selector: its value for each grouping label replaces whatever the definition matched it with.</summary>
    private static SeriesSelector With(SeriesSelector selector, IReadOnlyList<LabelMatcher> group) =>
        group.Count == 0 ? selector : new SeriesSelector(selector.Metric, [.. selector.Matchers.Where(m => group.All(g => g.Label != m.Label)), .. group]);

    /// <summary>The grouping labels, checked: label names, not <c>le</c> or internal ones, each once.</summary>
    private static IReadOnlyList<string>? Grouping(PyrraIndicatorDto dto, FieldRules rules)
    {
        if (dto.Kinds is not [{ Grouping: { } grouping }])
            return null;
        var labels = new List<string>();
        var ok = true;
        foreach (var label in grouping)
        {
            if (!SeriesSelector.IsLabelName(label.Text) || label.Text.StartsWith("__", StringComparison.Ordinal) || label.Text == "le")
            {
                rules.Error(label, $"'{label.Text}' cannot group: give the name of a label the indicator's series carry");
                ok = false;
            }
            else if (labels.Contains(label.Text))
            {
                rules.Error(label, $"'{label.Text}' is listed twice");
                ok = false;
            }
            else
            {
                labels.Add(label.Text);
            }
        }

        return ok ? labels : null;
    }

    /// <summary>The native latency indicator when <paramref name="success"/> is <c>X_bucket{..., le="T"}</c> and
    /// <paramref name="total"/> is <c>X_count{...}</c> with the same other matchers; null otherwise.</summary>
    private static LatencyIndicator? Latency(SeriesSelector success, SeriesSelector total)
    {
        if (success.Metric is not { } bucket || !bucket.EndsWith("_bucket", StringComparison.Ordinal))
            return null;
        var histogram = bucket[..^"_bucket".Length];
        if (total.Metric != histogram + "_count" || !SeriesSelector.IsMetricName(histogram))
            return null;
        var le = success.Matchers.Where(m => m.Label == "le").ToArray();
        if (le is not [{ Operator: MatchOperator.Equal } bound] || total.Matchers.Any(m => m.Label == "le"))
            return null;
        if (!double.TryParse(bound.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || !double.IsFinite(seconds))
            return null;
        var ms = Math.Round(seconds * 1000);
        if (Math.Abs(ms - seconds * 1000) > 1e-6 || ms > int.MaxValue)
            return null;
        var others = success.Matchers.Where(m => m.Label != "le").ToHashSet();
        if (!others.SetEquals(total.Matchers))
            return null;
        return new LatencyIndicator(histogram, new SeriesSelector(null, total.Matchers), Duration.FromMilliseconds((long)ms));
    }

    private static LabelMatcher? Bound(PyrraSliDto sli, SeriesSelector success, FieldRules rules)
    {
        var (metric, _, _) = sli.Metrics["success"];
        var le = success.Matchers.FirstOrDefault(m => m.Label == "le");
        if (le is null)
        {
            rules.Error(metric!, "latency success metric must contain a le label matcher");
            return null;
        }

        if (!double.TryParse(le.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && le.Value is not ("+Inf" or "Inf" or "-Inf"))
        {
            rules.Error(metric!, $"latency success metric must contain a le label matcher with a float value: '{le.Value}' is not a number");
            return null;
        }

        return le;
    }

    /// <summary>The <c>metric</c> of <paramref name="role"/> as a series selector with a metric name.</summary>
    private static SeriesSelector? Metric(PyrraSliDto sli, string role, string what, FieldRules rules)
    {
        var (metric, at, path) = sli.Metrics[role];
        if (metric is null or { Text: "" })
        {
            rules.Bag.Error(metric?.At ?? at, path, $"{what} metric must be set");
            return null;
        }

        if (!SeriesSelector.TryParse(metric.Text, out var selector, out var error))
        {
            rules.Error(metric, $"{what} metric must be a vector selector (a metric name and label matchers): {error}");
            return null;
        }

        if (selector!.Metric is null)
        {
            rules.Error(metric, $"{what} metric needs a metric name, e.g. http_requests_total{{job=\"api\"}}");
            return null;
        }

        return selector;
    }

    private static AlertPolicy? Alerting(PyrraAlertingDto? dto, Duration window, PyrraSpecDto spec, FieldRules rules)
    {
        var disabled = rules.Bool(dto?.Disabled) ?? false;
        var burnrates = rules.Bool(dto?.Burnrates) ?? true;
        if (dto is not null)
        {
            if (rules.Bool(dto.Absent) is true)
                rules.Bag.Warning(dto.Absent!.At, dto.Absent.Path, "absent alerts are not supported: only burn-rate alerts are sent");
            if (dto.Names.Count > 0)
                rules.Bag.Warning(dto.At, dto.Path, $"{string.Join(", ", dto.Names)}: alert names and severities are not carried; alerts are named SLOBurnRate with severity page or ticket");
        }

        var enabled = !disabled && burnrates;
        var tiers = new List<AlertTier>();
        foreach (var (severity, factor, longDivisor, shortDivisor) in Windows)
        {
            var longWindow = RoundToMinute(window, longDivisor);
            var shortWindow = RoundToMinute(window, shortDivisor);
            if (shortWindow <= Duration.Zero || shortWindow >= longWindow)
            {
                rules.Bag.Error(spec.Window?.At ?? spec.At, $"{spec.Path}.window",
                    $"a window of {DurationText.Format(window)} is too short for Pyrra's burn-rate windows (the shortest would be {DurationText.Format(window / shortDivisor)}, under a minute)");
                return null;
            }

            var consumed = (double)(factor * (decimal)longWindow.TotalSeconds / (decimal)window.TotalSeconds);
            tiers.Add(new AlertTier(severity, consumed, longWindow, shortWindow, enabled));
        }

        return new AlertPolicy(tiers, 0);
    }

    /// <summary>Pyrra's four burn-rate alerts (slo/rules.go, <c>Windows</c>): a factor and the long and short windows as
    /// the objective's window divided by these numbers, each rounded to a minute (1h and 5m for 28 days).</summary>
    private static readonly (Severity Severity, decimal Factor, long Long, long Short)[] Windows =
    [
        (Severity.Page, 14, 28 * 24, 28 * 24 * 12),
        (Severity.Page, 7, 28 * 4, 28 * 24 * 2),
        (Severity.Ticket, 2, 28, 28 * 12),
        (Severity.Ticket, 1, 7, 28 * 4),
    ];

    /// <summary><paramref name="window"/> / <paramref name="divisor"/> rounded to a whole minute, halves away from zero (Go's <c>Round</c>).</summary>
    private static Duration RoundToMinute(Duration window, long divisor)
    {
        const long minute = 60_000_000_000L;
        var ns = window.ToInt64Nanoseconds() / divisor;
        var minutes = ns / minute + (ns % minute * 2 >= minute ? 1 : 0);
        return Duration.FromMinutes(minutes);
    }
}
