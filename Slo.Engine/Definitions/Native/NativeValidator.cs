using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Corrections;
using Slo.Engine.Definitions.Yaml;
using Slo.Engine.Gating;
using Slo.Engine.Windows;

namespace Slo.Engine.Definitions.Native;

/// <summary>What one native document contributes: a service, its labels and gate (when given), and its objectives.</summary>
internal sealed record ServicePart(string Service, SourceLocation At, IReadOnlyDictionary<string, string> Labels, GatePolicy? Gate, IReadOnlyList<Objective> Objectives)
{
    /// <summary>Corrections of the definitions, with the place of each objective name they list (checked once the
    /// service's documents are merged).</summary>
    public IReadOnlyList<(Correction Correction, IReadOnlyList<YamlScalar> Names)> Corrections { get; init; } = [];

    /// <summary>Where each composite names each component, and whether it named its own signal, for the checks made
    /// once every file is read.</summary>
    public IReadOnlyList<(ObjectiveId Composite, ObjectiveId Component, YamlScalar At)> CompositeReferences { get; init; } = [];

    /// <summary>Composites whose definition names a signal: it must be the components'.</summary>
    public IReadOnlyDictionary<ObjectiveId, YamlScalar> CompositeSignals { get; init; } = new Dictionary<ObjectiveId, YamlScalar>();

    /// <summary>Objectives made once per group of label values found in Prometheus (Pyrra's grouping).</summary>
    public IReadOnlyList<GroupedObjective> Grouped { get; init; } = [];
}

/// <summary>Turns a <see cref="NativeDocumentDto"/> into model objects, reporting every value that is wrong.</summary>
internal static class NativeValidator
{
    public const string ApiVersion = "slo/v1";
    public const string Kind = "ServiceObjectives";

    public static ServicePart? Validate(NativeDocumentDto doc, DiagnosticBag bag)
    {
        var rules = new FieldRules(bag);
        if (doc.Kind is { } kind && kind.Text != Kind)
            rules.Error(kind, $"unknown kind '{kind.Text}' for {ApiVersion}: expected {Kind}");

        var service = rules.Name(doc.Service);
        var labels = rules.Labels(doc.Labels);
        var gate = doc.Gate is null ? null : Gate(doc.Gate, rules);
        var source = rules.Name(doc.Source);
        var objectives = new List<Objective>();
        var names = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        foreach (var dto in doc.Objectives)
        {
            if (dto.Name is { } n && !names.TryAdd(n.Text, n))
            {
                rules.Error(n, $"duplicate objective id '{doc.Service?.Text}/{n.Text}': first defined at {names[n.Text].At}");
                continue;
            }

            var objective = Objective(dto, service, labels, doc.Source is null ? null : source ?? "", rules);
            if (objective is not null)
                objectives.Add(objective);
        }

        var corrections = new List<(Correction, IReadOnlyList<YamlScalar>)>();
        var correctionNames = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        foreach (var dto in doc.Corrections)
        {
            if (dto.Name is { } n && !correctionNames.TryAdd(n.Text, n))
            {
                rules.Error(n, $"duplicate correction '{n.Text}': first defined at {correctionNames[n.Text].At}");
                continue;
            }

            if (ReadCorrection(dto, service, rules) is { } correction)
                corrections.Add((correction, dto.Objectives ?? []));
        }

        var references = new List<(ObjectiveId, ObjectiveId, YamlScalar)>();
        var signals = new Dictionary<ObjectiveId, YamlScalar>();
        if (service is not null)
        {
            var quiet = new FieldRules(new DiagnosticBag());
            foreach (var dto in doc.Objectives.Where(d => d.Composite is not null && d.Name is not null && ObjectiveId.IsValidPart(d.Name.Text)))
            {
                var id = new ObjectiveId(service, dto.Name!.Text);
                foreach (var (reference, _, _) in dto.Composite!.Components)
                {
                    if (Component(reference, service, quiet) is { } component)
                        references.Add((id, component, reference!));
                }

                if (dto.Signal is { } named)
                    signals[id] = named;
            }
        }

        return service is null ? null : new ServicePart(service, doc.At, labels, gate, objectives)
        {
            Corrections = corrections,
            CompositeReferences = references,
            CompositeSignals = signals,
        };
    }

    private static readonly NodaTime.Text.LocalDateTimePattern[] LocalStarts =
    [
        NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm:ss"),
        NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm"),
        NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd"),
    ];

    private static Correction? ReadCorrection(CorrectionDto dto, string? service, FieldRules rules)
    {
        var name = rules.Name(dto.Name);
        var zone = rules.Zone(dto.TimeZone);
        LocalDateTime? start = null;
        if (dto.Start is { } s)
        {
            start = LocalStarts.Select(p => p.Parse(s.Text)).FirstOrDefault(r => r.Success)?.Value;
            if (start is null)
                rules.Error(s, $"'{s.Text}' is not a local date and time such as 2026-01-04T02:00:00 (local time in timeZone; no offset or Z)");
        }

        var length = rules.Duration(dto.Duration);
        if (length is { } l && l <= NodaTime.Duration.Zero)
        {
            rules.Error(dto.Duration!, "a correction must last longer than 0");
            length = null;
        }

        if (dto.RRule is { } r && Corrections.Correction.CheckRecurrence(r.Text) is { } problem)
            rules.Error(r, problem);
        foreach (var objective in dto.Objectives ?? [])
            rules.Name(objective);

        if (service is null || name is null || zone is null || start is null || length is null || (dto.RRule is { } rr && Corrections.Correction.CheckRecurrence(rr.Text) is not null))
            return null;
        return new Correction
        {
            Id = $"definitions:{service}/{name}",
            Service = service,
            Name = name,
            Objectives = (dto.Objectives ?? []).Select(o => o.Text).ToArray(),
            Start = start.Value,
            Length = Period.FromMilliseconds((long)length.Value.TotalMilliseconds).Normalize(),
            Zone = zone,
            Recurrence = dto.RRule?.Text,
            Reason = dto.Reason?.Text ?? "",
            CreatedBy = "definitions",
            DefinedAt = dto.At,
        };
    }

    /// <summary>The components of a composite, each <c>service/name</c> (or a name of the same service) with a positive
    /// weight (1 unless given). Whether they exist and share a signal is known only once every file is read.</summary>
    private static CompositeIndicator? Composite(CompositeDto dto, string service, FieldRules rules)
    {
        var components = new List<CompositeComponent>();
        var ok = true;
        foreach (var (reference, weightText, _) in dto.Components)
        {
            var id = Component(reference, service, rules);
            var weight = weightText is null ? 1 : rules.Number(weightText);
            if (weightText is not null && weight is { } w && !(w > 0 && double.IsFinite(w)))
            {
                rules.Error(weightText, $"a weight must be a positive number, not {weightText.Text}");
                weight = null;
            }

            if (id is { } i && components.Any(c => c.Objective == i))
            {
                rules.Error(reference!, $"'{i}' is listed twice");
                ok = false;
            }
            else if (id is null || weight is null)
            {
                ok = false;
            }
            else
            {
                components.Add(new CompositeComponent(id.Value, weight.Value));
            }
        }

        if (dto.Components.Count == 0)
        {
            rules.Bag.Error(dto.At, $"{dto.Path}.objectives", "a composite needs at least one objective");
            return null;
        }

        // The signal is a placeholder until the loader has seen the components.
        return ok ? new CompositeIndicator(components, Signal.Reliability) : null;
    }

    /// <summary>A component reference: <c>service/name</c>, or <c>name</c> within <paramref name="service"/>.</summary>
    internal static ObjectiveId? Component(YamlScalar? reference, string service, FieldRules rules)
    {
        if (reference is null)
            return null;
        var parts = reference.Text.Split('/');
        var (s, n) = parts.Length == 2 ? (parts[0], parts[1]) : (service, parts[0]);
        if (parts.Length > 2 || !ObjectiveId.IsValidPart(s) || !ObjectiveId.IsValidPart(n))
        {
            rules.Error(reference, $"'{reference.Text}' is not an objective: write service/name, e.g. cart/availability");
            return null;
        }

        return new ObjectiveId(s, n);
    }

    /// <param name="serviceSource">The service's source: null when it names none, empty when it named an invalid one.</param>
    private static Objective? Objective(ObjectiveDto dto, string? service, IReadOnlyDictionary<string, string> serviceLabels, string? serviceSource, FieldRules rules)
    {
        var name = rules.Name(dto.Name);
        var source = dto.Source is null ? serviceSource : rules.Name(dto.Source) ?? "";
        if (dto.Composite is not null)
        {
            // A composite reads its objectives' counts, each from its own source.
            if (dto.Source is { } own)
                rules.Error(own, "a composite has no source of its own: its objectives' counts are read from their sources");
            source = null;
        }

        var target = Target(dto.Target, rules);
        var window = Window(dto.Window, rules);
        Indicator? indicator = null;
        if (dto.Composite is { } composite)
        {
            if (dto.Indicator is not null)
                rules.Bag.Error(composite.At, composite.Path, "give 'indicator' or 'composite', not both");
            else if (service is not null)
                indicator = Composite(composite, service, rules);
        }
        else if (dto.Indicator is not null)
        {
            indicator = Indicator(dto.Indicator, rules);
        }

        var alerting = dto.Alerting is null ? AlertPolicy.Default : Alerting(dto.Alerting, rules);
        var budgeting = NativeBudgeting.Validate(dto.Budgeting, rules);
        if (dto.Indicator?.Threshold is not null)
        {
            // A threshold's events are its slices, sampled at the slice length it names.
            if (dto.Budgeting is { } given)
                rules.Bag.Error(given.At, given.Path, "a threshold indicator sets its own time slices (indicator.threshold.slice): leave budgeting out");
            budgeting = dto.Budgeting is null && indicator is ThresholdIndicator t ? new TimeslicesBudgeting(1, t.Slice) : null;
        }

        if (dto.Composite is not null && dto.Budgeting is { } sliced && budgeting is not OccurrencesBudgeting)
        {
            rules.Bag.Error(sliced.At, sliced.Path, "a composite counts occurrences: time-slice budgeting is not supported for composites");
            budgeting = null;
        }

        var labels = new Dictionary<string, string>(serviceLabels);
        foreach (var (k, v) in rules.Labels(dto.Labels))
            labels[k] = v;

        Signal? signal = null;
        if (dto.Signal is { } s)
        {
            if (SignalNames.TryParse(s.Text, out var parsed))
                signal = parsed;
            else
                rules.Error(s, $"unknown signal '{s.Text}': expected {SignalNames.Reliability} or {SignalNames.Performance}");
        }

        if (service is null || name is null || target is null || window is null || indicator is null || alerting is null || budgeting is null || source == "")
            return null;
        if (dto.Signal is not null && signal is null)
            return null;

        return new Objective(
            new ObjectiveId(service, name),
            signal ?? indicator.DefaultSignal,
            target.Value,
            window,
            indicator,
            budgeting,
            alerting,
            labels,
            dto.Description?.Text,
            dto.At,
            source);
    }

    private static Target? Target(YamlScalar? value, FieldRules rules)
    {
        if (rules.Number(value) is not { } percent)
            return null;
        if (!(percent > 0 && percent < 100))
        {
            rules.Error(value!, $"{FieldRules.Format(percent)} is out of range: a target is a percentage strictly between 0 and 100 (e.g. 99.9)");
            return null;
        }

        if (percent < 1)
            rules.Bag.Warning(value!.At, value.Path, $"{FieldRules.Format(percent)} is read as {FieldRules.Format(percent)} percent; native targets are percentages (write 99.9, not 0.999)");
        return Budgets.Target.FromPercent(percent);
    }

    private static SloWindow? Window(WindowDto? dto, FieldRules rules)
    {
        if (dto is null)
            return null;
        if (dto.Rolling is { } rolling)
            return rules.Duration(rolling) is { } length ? new RollingWindow(length) : null;
        if (dto.Calendar is null)
        {
            rules.Bag.Error(dto.At, dto.Path, "is required: a rolling length such as 30d, or { calendar: month, timeZone: ... }");
            return null;
        }

        var zone = rules.Zone(dto.TimeZone);
        CalendarWindow? Make(Func<DateTimeZone, CalendarWindow> f) => zone is null ? null : f(zone);
        switch (dto.Calendar.Text)
        {
            case "week": return Make(CalendarWindow.Week);
            case "month": return Make(CalendarWindow.Month);
            case "quarter": return Make(CalendarWindow.Quarter);
            case "year": return Make(z => new CalendarWindow(CalendarUnit.Month, 12, z));
            default:
                rules.Error(dto.Calendar, $"unknown calendar period '{dto.Calendar.Text}': expected week, month, quarter or year");
                return null;
        }
    }

    private static Indicator? Indicator(IndicatorDto dto, FieldRules rules)
    {
        if (new object?[] { dto.Ratio, dto.Latency, dto.Threshold }.Count(k => k is not null) != 1)
        {
            rules.Bag.Error(dto.At, dto.Path, "must hold exactly one of ratio, latency or threshold");
            return null;
        }

        return dto.Ratio is { } ratio ? Ratio(ratio, rules) : dto.Latency is { } latency ? Latency(latency, rules) : Threshold(dto.Threshold!, rules);
    }

    private static ThresholdIndicator? Threshold(ThresholdDto dto, FieldRules rules)
    {
        string? query = null;
        if (dto.Query is { } q)
        {
            if (string.IsNullOrWhiteSpace(q.Text))
                rules.Error(q, "a threshold query is a PromQL expression, e.g. histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))");
            else if (PromQlShape.Problem(q.Text) is { } problem)
                rules.Error(q, $"not a PromQL expression: {problem}");
            else
                query = q.Text;
        }

        ThresholdOperator? op = null;
        if (dto.Op is { } o)
        {
            if (ThresholdOperators.TryParse(o.Text, out var parsed))
                op = parsed;
            else
                rules.Error(o, $"unknown op '{o.Text}': expected lt, lte, gt or gte");
        }

        var value = rules.Number(dto.Value);
        var slice = rules.Duration(dto.Slice);
        if (slice is { } l && (l < Duration.FromMinutes(1) || l > Duration.FromDays(1) || l.BclCompatibleTicks % Duration.FromMinutes(1).BclCompatibleTicks != 0))
        {
            rules.Error(dto.Slice!, "a slice is a whole number of minutes up to 1d, e.g. 1m or 5m");
            slice = null;
        }

        return query is null || op is null || value is null || slice is null ? null : new ThresholdIndicator(query, op.Value, value.Value, slice.Value);
    }

    private static Indicator? Ratio(RatioDto dto, FieldRules rules)
    {
        var bag = rules.Bag;
        var selectorForm = dto.Good ?? dto.Bad ?? dto.Total;
        var queryForm = dto.GoodQuery ?? dto.BadQuery ?? dto.TotalQuery;
        if (selectorForm is not null && queryForm is not null)
        {
            rules.Error(queryForm, "selectors (good/bad/total) and raw queries (goodQuery/badQuery/totalQuery) cannot be mixed");
            return null;
        }

        if (queryForm is null)
        {
            var shapeOk = ExactlyOneNumerator(dto.Good, dto.Bad, "good", "bad", dto, bag) & HasTotal(dto.Total, "total", dto, bag);
            var good = RequireMetric(dto.Good, rules);
            var bad = RequireMetric(dto.Bad, rules);
            var total = RequireMetric(dto.Total, rules);
            return !shapeOk || total is null || (good is null && bad is null) ? null : new RatioIndicator(good, bad, total);
        }

        if (!ExactlyOneNumerator(dto.GoodQuery, dto.BadQuery, "goodQuery", "badQuery", dto, bag) | !HasTotal(dto.TotalQuery, "totalQuery", dto, bag))
            return null;
        var ok = true;
        foreach (var q in new[] { dto.GoodQuery, dto.BadQuery, dto.TotalQuery })
        {
            if (q is not null && !q.Text.Contains(RawRatioIndicator.WindowPlaceholder, StringComparison.Ordinal))
            {
                rules.Error(q, $"a raw query must contain {RawRatioIndicator.WindowPlaceholder} where the range goes, e.g. sum(increase(x[{RawRatioIndicator.WindowPlaceholder}]))");
                ok = false;
            }
        }

        return ok ? new RawRatioIndicator(dto.GoodQuery?.Text, dto.BadQuery?.Text, dto.TotalQuery!.Text) : null;
    }

    private static bool ExactlyOneNumerator(YamlScalar? good, YamlScalar? bad, string goodKey, string badKey, RatioDto dto, DiagnosticBag bag)
    {
        if (good is null && bad is null)
        {
            bag.Error(dto.At, $"{dto.Path}.{goodKey}", $"one of {goodKey} or {badKey} is required");
            return false;
        }

        if (good is not null && bad is not null)
        {
            bag.Error(bad.At, bad.Path, $"give {goodKey} or {badKey}, not both");
            return false;
        }

        return true;
    }

    private static bool HasTotal(YamlScalar? total, string key, RatioDto dto, DiagnosticBag bag)
    {
        if (total is not null)
            return true;
        bag.Error(dto.At, $"{dto.Path}.{key}", "is required");
        return false;
    }

    private static SeriesSelector? RequireMetric(YamlScalar? text, FieldRules rules)
    {
        var selector = rules.Selector(text);
        if (selector is not { Metric: null })
            return selector;
        rules.Error(text!, "a counter selector needs a metric name, e.g. http_requests_total{job=\"checkout\"}");
        return null;
    }

    private static Indicator? Latency(LatencyDto dto, FieldRules rules)
    {
        string? histogram = null;
        if (dto.Histogram is { } h)
        {
            if (!SeriesSelector.IsMetricName(h.Text))
                rules.Error(h, $"'{h.Text}' is not a metric name");
            else if (h.Text.EndsWith("_bucket", StringComparison.Ordinal) || h.Text.EndsWith("_count", StringComparison.Ordinal) || h.Text.EndsWith("_sum", StringComparison.Ordinal))
                rules.Error(h, $"give the histogram's base name without _bucket, _count or _sum (e.g. '{h.Text[..h.Text.LastIndexOf('_')]}')");
            else
                histogram = h.Text;
        }

        var selector = dto.Selector is null ? new SeriesSelector(null, []) : rules.Selector(dto.Selector);
        if (dto.Selector is { } st && selector is { Metric: not null })
        {
            rules.Error(st, "give label matchers only, e.g. '{job=\"checkout\"}'; the metric comes from histogram");
            selector = null;
        }

        if (selector is not null && selector.Matchers.Any(m => m.Label == "le"))
        {
            rules.Error(dto.Selector!, "the le label is chosen from threshold; do not match on it");
            selector = null;
        }

        Duration? threshold = null;
        if (dto.Threshold is { } t)
        {
            if (Time.DurationText.TryParse(t.Text, out var d, out var error))
                threshold = d;
            else
                rules.Error(t, $"the latency threshold must be a duration such as 300ms or 1s: {error}");
        }

        return histogram is null || selector is null || threshold is null ? null : new LatencyIndicator(histogram, selector, threshold.Value);
    }

    private static AlertPolicy? Alerting(AlertingDto dto, FieldRules rules)
    {
        double minEvents = 0;
        var ok = true;
        if (rules.Number(dto.MinEvents) is { } m)
        {
            if (m < 0)
            {
                rules.Error(dto.MinEvents!, "must be 0 or more");
                ok = false;
            }

            minEvents = m;
        }
        else if (dto.MinEvents is not null)
        {
            ok = false;
        }

        IReadOnlyList<AlertTier> tiers = AlertTier.Defaults;
        if (dto.TiersWord is { } word && word.Text != "default")
        {
            rules.Error(word, $"'{word.Text}' is not a tier set: write 'default' or a list of tiers");
            ok = false;
        }
        else if (dto.Tiers is not null)
        {
            var list = new List<AlertTier>();
            foreach (var t in dto.Tiers)
            {
                if (Tier(t, rules) is { } tier)
                {
                    if (list.Any(x => x.Key == tier.Key))
                    {
                        rules.Bag.Error(t.At, t.Path, $"tier {tier.Key} is listed twice");
                        ok = false;
                    }
                    else
                    {
                        list.Add(tier);
                    }
                }
                else
                {
                    ok = false;
                }
            }

            tiers = list;
        }

        var noDataAfter = (Duration?)AlertPolicy.DefaultNoDataAfter;
        if (dto.NoDataAfter is { Text: "off" })
            noDataAfter = null;
        else if (dto.NoDataAfter is { } silence && (noDataAfter = rules.Duration(silence)) is null)
            ok = false;
        Duration? exhaustionWithin = null;
        if (dto.ExhaustionWithin is { } within && (exhaustionWithin = rules.Duration(within)) is null)
            ok = false;
        return ok ? new AlertPolicy(tiers, minEvents) { NoDataAfter = noDataAfter, ExhaustionWithin = exhaustionWithin } : null;
    }

    private static AlertTier? Tier(TierDto dto, FieldRules rules)
    {
        Severity? severity = null;
        if (dto.Severity is { } s)
        {
            if (SeverityNames.TryParse(s.Text, out var parsed))
                severity = parsed;
            else
                rules.Error(s, $"unknown severity '{s.Text}': expected page or ticket");
        }

        var consumed = rules.Number(dto.BudgetConsumed);
        if (consumed is { } c && !(c > 0 && c <= 1))
        {
            rules.Error(dto.BudgetConsumed!, $"{FieldRules.Format(c)} is out of range: the budget share is a fraction in (0, 1], e.g. 0.02 for 2%");
            consumed = null;
        }

        var longWindow = rules.Duration(dto.LongWindow);
        var shortWindow = rules.Duration(dto.ShortWindow);
        if (longWindow is { } l && shortWindow is { } sw && sw >= l)
        {
            rules.Error(dto.ShortWindow!, "the short window must be shorter than the long window");
            shortWindow = null;
        }

        var enabled = rules.Bool(dto.Enabled) ?? true;
        if (severity is null || consumed is null || longWindow is null || shortWindow is null || (dto.Enabled is not null && !dto.Enabled.TryBool(out _)))
            return null;
        return new AlertTier(severity.Value, consumed.Value, longWindow.Value, shortWindow.Value, enabled);
    }

    private static GatePolicy? Gate(GateDto dto, FieldRules rules)
    {
        var reliability = dto.Reliability is null ? GatePolicy.DefaultReliability : SignalRule(dto.Reliability, GatePolicy.DefaultReliability, rules);
        var performance = dto.Performance is null ? GatePolicy.DefaultPerformance : SignalRule(dto.Performance, GatePolicy.DefaultPerformance, rules);
        var blockOnPage = dto.BlockOnPage is null ? true : rules.Bool(dto.BlockOnPage);
        var maxAge = dto.MaxDataAge is null ? GatePolicy.DefaultMaxDataAge : rules.Duration(dto.MaxDataAge);
        return reliability is null || performance is null || blockOnPage is null || maxAge is null
            ? null
            : new GatePolicy(reliability, performance, blockOnPage.Value, maxAge.Value);
    }

    private static SignalGateRule? SignalRule(SignalGateDto dto, SignalGateRule defaults, FieldRules rules)
    {
        var min = defaults.MinBudgetRemaining;
        if (dto.MinBudgetRemaining is { } m)
        {
            if (rules.Number(m) is not { } value)
                return null;
            if (value > 1)
            {
                rules.Error(m, $"{FieldRules.Format(value)} is out of range: the remaining budget is a fraction of at most 1 (0.25 = a quarter left)");
                return null;
            }

            min = value;
        }

        var mode = defaults.Mode;
        if (dto.Mode is { } modeText)
        {
            switch (modeText.Text)
            {
                case "block": mode = GateMode.Block; break;
                case "warn": mode = GateMode.Warn; break;
                default:
                    rules.Error(modeText, $"unknown mode '{modeText.Text}': expected block or warn");
                    return null;
            }
        }

        return new SignalGateRule(min, mode);
    }
}
