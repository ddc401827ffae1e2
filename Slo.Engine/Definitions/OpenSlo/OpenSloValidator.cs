using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime.Text;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions.Native;
using Slo.Engine.Definitions.Yaml;
using Slo.Engine.Windows;

namespace Slo.Engine.Definitions.OpenSlo;

/// <summary>
/// Turns an OpenSLO v1 <c>SLO</c> document into objectives. Supported: an inline <c>ratioMetric</c> (good or bad,
/// and total) whose sources are Prometheus series selectors; one rolling or calendar <c>timeWindow</c>;
/// <c>Occurrences</c> and <c>Timeslices</c> budgeting. Everything else is named as unsupported, never skipped silently.
/// </summary>
internal static partial class OpenSloValidator
{
    public const string ApiVersion = "openslo/v1";

    /// <summary>The annotation that makes a ratio SLO a performance (latency) objective; ratios are reliability otherwise.</summary>
    public const string SignalAnnotation = "slo/signal";

    private static readonly LocalDateTimePattern[] StartTimePatterns =
    [
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm:ss"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd"),
    ];

    /// <summary>The kinds OpenSLO v1 defines.</summary>
    public static readonly string[] Kinds = ["SLO", "Service", "SLI", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"];

    private static string UnknownKind(string? kind)
    {
        var near = Kinds.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase));
        return $"unknown OpenSLO kind '{kind}'" + (near is null ? "" : $" (kinds are case-sensitive: did you mean '{near}'?)") +
               $"; OpenSLO v1 defines {string.Join(", ", Kinds)}";
    }

    public static ServicePart? Validate(OpenSloDocumentDto doc, DiagnosticBag bag)
    {
        var rules = new FieldRules(bag);
        if (doc.Kind is not { Text: "SLO" } kind)
        {
            if (doc.Kind is { Text: not "Service" } other)
            {
                if (Kinds.Contains(other.Text, StringComparer.Ordinal))
                    bag.Warning(other.At, other.Path, $"OpenSLO kind '{other.Text}' is not used by this service; the document is skipped");
                else
                    rules.Error(other, UnknownKind(other.Text));
            }

            return null;
        }

        if (doc.Metadata is not { } meta || doc.Spec is not { } spec)
            return null;

        var service = rules.Name(spec.Service);
        var name = rules.Name(meta.Name);
        var labels = rules.Labels(meta.Labels);
        var signal = Signal(meta, rules);
        var indicator = Indicator(spec, rules);
        var window = Window(spec, rules);
        var method = spec.BudgetingMethod?.Text;
        if (spec.BudgetingMethod is { } bm && method is not ("Occurrences" or "Timeslices"))
        {
            rules.Error(bm, method == "RatioTimeslices"
                ? "RatioTimeslices is not supported; use Occurrences or Timeslices"
                : $"unknown budgeting method '{method}': expected Occurrences, Timeslices or RatioTimeslices");
        }

        if (spec.AlertPoliciesAt is { } alertAt)
            bag.Warning(alertAt, $"{spec.Path}.alertPolicies", "OpenSLO alert policies are not used; burn alerts follow the service's multiwindow tiers");

        if (spec.Objectives.Count == 0)
            bag.Error(spec.At, $"{spec.Path}.objectives", "at least one objective is required");

        var objectives = new List<Objective>();
        for (var i = 0; i < spec.Objectives.Count; i++)
        {
            var o = spec.Objectives[i];
            var target = Target(o, rules);
            var budgeting = Budgeting(o, method, rules);
            var objectiveName = spec.Objectives.Count == 1 || name is null ? name : $"{name}-{Suffix(o, i)}";
            if (service is null || objectiveName is null || target is null || budgeting is null || indicator is null || window is null || signal is null)
                continue;
            if (method is not ("Occurrences" or "Timeslices"))
                continue;
            objectives.Add(new Objective(
                new ObjectiveId(service, objectiveName),
                signal.Value,
                target.Value,
                window,
                indicator,
                budgeting,
                labels: labels,
                description: spec.Description?.Text ?? meta.DisplayName?.Text,
                definedAt: doc.At));
        }

        return service is null ? null : new ServicePart(service, doc.At, new Dictionary<string, string>(), null, objectives);
    }

    private static string Suffix(ObjectiveTargetDto o, int index)
    {
        var slug = o.DisplayName is null ? "" : SlugJunk().Replace(o.DisplayName.Text.ToLowerInvariant(), "-").Trim('-');
        return slug.Length > 0 ? slug : (index + 1).ToString(CultureInfo.InvariantCulture);
    }

    private static Signal? Signal(MetadataDto meta, FieldRules rules)
    {
        var annotation = meta.Annotations?.FirstOrDefault(a => a.Key.Text == SignalAnnotation);
        if (annotation is not { } a || a.Value is null)
            return Engine.Signal.Reliability;
        if (SignalNames.TryParse(a.Value.Text, out var signal))
            return signal;
        rules.Error(a.Value, $"unknown signal '{a.Value.Text}': expected {SignalNames.Reliability} or {SignalNames.Performance}");
        return null;
    }

    private static Indicator? Indicator(SloSpecDto spec, FieldRules rules)
    {
        var bag = rules.Bag;
        if (spec.Indicator is null)
        {
            if (spec.IndicatorRef is { } r)
                rules.Error(r, "indicatorRef is not supported: write the SLI inline under indicator");
            else
                bag.Error(spec.At, $"{spec.Path}.indicator", "is required (an inline SLI with a ratioMetric)");
            return null;
        }

        var sli = spec.Indicator;
        if (sli.ThresholdMetricAt is { } t)
        {
            bag.Error(t, $"{sli.Path}.spec.thresholdMetric", "thresholdMetric is not supported: use a ratioMetric of counters");
            return null;
        }

        if (sli.Ratio is not { } ratio)
        {
            bag.Error(sli.At, $"{sli.Path}.spec.ratioMetric", "is required");
            return null;
        }

        if (ratio.RawAt is { } rawAt)
        {
            bag.Error(rawAt, $"{ratio.Path}.raw", "precomputed ratios (raw) are not supported: give good or bad, and total counters");
            return null;
        }

        if (rules.Bool(ratio.Counter) is false)
            rules.Error(ratio.Counter!, "only counters are supported (counter: true): events are counted with increase()");

        var ok = true;
        if (ratio.Good is null && ratio.Bad is null)
        {
            bag.Error(ratio.At, $"{ratio.Path}.good", "one of good or bad is required");
            ok = false;
        }
        else if (ratio.Good is not null && ratio.Bad is not null)
        {
            bag.Error(ratio.Bad.At, $"{ratio.Path}.bad", "give good or bad, not both");
            ok = false;
        }

        if (ratio.Total is null)
        {
            bag.Error(ratio.At, $"{ratio.Path}.total", "is required");
            ok = false;
        }

        var good = Source(ratio.Good, rules);
        var bad = Source(ratio.Bad, rules);
        var total = Source(ratio.Total, rules);
        return ok && total is not null && (good ?? bad) is not null ? new RatioIndicator(good, bad, total) : null;
    }

    private static SeriesSelector? Source(MetricSourceDto? source, FieldRules rules)
    {
        if (source is null)
            return null;
        if (source.Type is { } type && !type.Text.Equals("Prometheus", StringComparison.OrdinalIgnoreCase))
        {
            rules.Error(type, $"metric source type '{type.Text}' is not supported: only Prometheus");
            return null;
        }

        var selector = rules.Selector(source.Query);
        if (source.Query is { } q && selector is { Metric: null })
        {
            rules.Error(q, "a counter selector needs a metric name, e.g. http_requests_total{job=\"checkout\"}");
            return null;
        }

        return selector;
    }

    private static SloWindow? Window(SloSpecDto spec, FieldRules rules)
    {
        var bag = rules.Bag;
        var path = $"{spec.Path}.timeWindow";
        if (spec.TimeWindows is not { } windows)
        {
            bag.Error(spec.At, path, "is required: one rolling or calendar window");
            return null;
        }

        if (windows.Count != 1)
        {
            bag.Error(spec.TimeWindowAt ?? spec.At, path, $"must hold exactly one window, not {windows.Count}");
            return null;
        }

        var w = windows[0];
        var rolling = rules.Bool(w.IsRolling) ?? !w.HasCalendar;
        if (w.Duration is not { } durationText)
            return null;
        if (!TryShorthand(durationText.Text, out var amount, out var unit))
        {
            rules.Error(durationText, $"'{durationText.Text}' is not an OpenSLO duration: a whole number and one of m, h, d, w, M, Q, Y (e.g. 28d, 1M)");
            return null;
        }

        if (rolling)
        {
            if (w.HasCalendar)
                bag.Error(w.At, $"{w.Path}.calendar", "a rolling window has no calendar; drop calendar or set isRolling: false");
            return unit switch
            {
                'm' => new RollingWindow(Duration.FromMinutes(amount)),
                'h' => new RollingWindow(Duration.FromHours(amount)),
                'd' => new RollingWindow(Duration.FromDays(amount)),
                'w' => new RollingWindow(Duration.FromDays(7 * amount)),
                _ => RollingError(durationText, unit, rules),
            };
        }

        var zone = rules.Zone(w.TimeZone);
        LocalDateTime? anchor = null;
        if (w.StartTime is { } startText)
        {
            var parsed = StartTimePatterns.Select(p => p.Parse(startText.Text)).FirstOrDefault(r => r.Success);
            if (parsed is null)
                rules.Error(startText, $"'{startText.Text}' is not a start time: write it as 2024-01-01 00:00:00 (local time, no zone)");
            else
                anchor = parsed.Value;
        }

        (CalendarUnit Unit, long Count)? calendar = unit switch
        {
            'd' => (CalendarUnit.Day, amount),
            'w' => (CalendarUnit.Week, amount),
            'M' => (CalendarUnit.Month, amount),
            'Q' => (CalendarUnit.Month, 3 * amount),
            'Y' => (CalendarUnit.Month, 12 * amount),
            _ => null,
        };
        if (calendar is null)
        {
            rules.Error(durationText, $"'{durationText.Text}' is {(unit == 'm' ? "minutes" : "hours")}, not a calendar period: a calendar window counts in d, w, M (months), Q or Y; write 1M for a month");
            return null;
        }

        if (calendar.Value.Count is < 1 or > 1000)
        {
            rules.Error(durationText, "a calendar window holds between 1 and 1000 units");
            return null;
        }

        if (w.StartTime is not null && anchor is null || zone is null)
            return null;
        return new CalendarWindow(calendar.Value.Unit, (int)calendar.Value.Count, zone, anchor);
    }

    private static SloWindow? RollingError(YamlScalar text, char unit, FieldRules rules)
    {
        rules.Error(text, $"a rolling window needs a fixed length, and '{unit}' ({(unit == 'M' ? "months" : unit == 'Q' ? "quarters" : "years")}) varies: use days (e.g. 28d) or a calendar window");
        return null;
    }

    /// <summary>OpenSLO's duration shorthand: a positive whole number and one case-sensitive unit character.</summary>
    internal static bool TryShorthand(string text, out long amount, out char unit)
    {
        amount = 0;
        unit = '\0';
        if (text.Length < 2 || "mhdwMQY".IndexOf(text[^1], StringComparison.Ordinal) < 0)
            return false;
        unit = text[^1];
        return long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out amount) && amount is > 0 and <= 100_000;
    }

    private static Target? Target(ObjectiveTargetDto o, FieldRules rules)
    {
        if (o.Target is not null && o.TargetPercent is not null)
        {
            rules.Error(o.TargetPercent, "give target or targetPercent, not both");
            return null;
        }

        if (o.TargetPercent is { } pctText)
        {
            if (rules.Number(pctText) is not { } pct)
                return null;
            if (pct is > 0 and < 100)
                return Budgets.Target.FromPercent(pct);
            rules.Error(pctText, $"{FieldRules.Format(pct)} is out of range: targetPercent lies strictly between 0 and 100");
            return null;
        }

        if (o.Target is not { } text)
        {
            rules.Bag.Error(o.At, $"{o.Path}.target", "one of target or targetPercent is required");
            return null;
        }

        if (rules.Number(text) is not { } fraction)
            return null;
        if (Budgets.Target.IsValidFraction(fraction))
            return Budgets.Target.FromFraction(fraction);
        rules.Error(text, $"{FieldRules.Format(fraction)} is out of range: an OpenSLO target is a fraction strictly between 0 and 1 (e.g. 0.999)");
        return null;
    }

    private static BudgetingMethod? Budgeting(ObjectiveTargetDto o, string? method, FieldRules rules)
    {
        if (o.Op is { } op)
            rules.Error(op, "op and value belong to threshold metrics, which are not supported");
        if (method != "Timeslices")
        {
            if (o.TimeSliceTarget is { } tst)
                rules.Error(tst, "timeSliceTarget applies only with budgetingMethod: Timeslices");
            return BudgetingMethod.Occurrences;
        }

        var sliceTarget = rules.Number(o.TimeSliceTarget);
        if (o.TimeSliceTarget is null)
            rules.Bag.Error(o.At, $"{o.Path}.timeSliceTarget", "is required with budgetingMethod: Timeslices");
        else if (sliceTarget is { } st && !(st > 0 && st <= 1))
        {
            rules.Error(o.TimeSliceTarget, $"{FieldRules.Format(st)} is out of range: a slice target is a fraction in (0, 1]");
            sliceTarget = null;
        }

        Duration? slice = null;
        if (o.TimeSliceWindow is null)
        {
            rules.Bag.Error(o.At, $"{o.Path}.timeSliceWindow", "is required with budgetingMethod: Timeslices");
        }
        else if (long.TryParse(o.TimeSliceWindow.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && minutes is > 0 and <= 1440)
        {
            // The specification reads a bare number as minutes.
            slice = Duration.FromMinutes(minutes);
        }
        else if (TryShorthand(o.TimeSliceWindow.Text, out var amount, out var unit) && unit is 'm' or 'h' or 'd')
        {
            slice = unit switch { 'm' => Duration.FromMinutes(amount), 'h' => Duration.FromHours(amount), _ => Duration.FromDays(amount) };
        }
        else
        {
            slice = rules.Duration(o.TimeSliceWindow);
        }

        return sliceTarget is null || slice is null ? null : new TimeslicesBudgeting(sliceTarget.Value, slice.Value);
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex SlugJunk();
}
