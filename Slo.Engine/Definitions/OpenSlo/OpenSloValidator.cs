using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime.Text;
using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions.Native;
using Slo.Engine.Definitions.Yaml;
using Slo.Engine.Windows;

namespace Slo.Engine.Definitions.OpenSlo;

/// <summary>
/// Turns the OpenSLO v1 documents of one load (every file together, since an SLO may name an SLI, a DataSource or an
/// AlertPolicy written elsewhere) into objectives. Read: <c>ratioMetric</c> SLIs (inline or through
/// <c>indicatorRef</c>) whose sources are Prometheus series selectors (directly or through a Prometheus
/// <c>DataSource</c>); <c>thresholdMetric</c> SLIs on Prometheus queries with time slices; composite SLOs (objectives
/// with their own indicators and <c>compositeWeight</c>); one rolling or calendar <c>timeWindow</c>;
/// <c>Occurrences</c>, <c>Timeslices</c> and <c>RatioTimeslices</c>; <c>target</c> or <c>targetPercent</c>; burn-rate
/// <c>AlertPolicy</c>/<c>AlertCondition</c> as alert tiers. Everything else is named as unsupported where it is
/// written, never skipped silently.
/// </summary>
internal static partial class OpenSloValidator
{
    public const string ApiVersion = "openslo/v1";

    /// <summary>The annotation that makes a ratio SLO a performance (latency) objective; ratios are reliability otherwise.</summary>
    public const string SignalAnnotation = "slo/signal";

    /// <summary>The period an SLO without a <c>timeWindow</c> is read with (the specification makes the key optional).</summary>
    public static readonly Duration DefaultWindow = Duration.FromDays(30);

    /// <summary>How many days a rolling month (<c>1M</c>) is read as.</summary>
    public const int RollingMonthDays = 30;

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

    public static IReadOnlyList<ServicePart> Validate(IReadOnlyList<OpenSloDocumentDto> docs, DiagnosticBag bag)
    {
        var catalog = new Catalog(docs, new FieldRules(bag));
        var parts = docs.Where(d => d.Slo is not null).Select(catalog.ReadSlo).OfType<ServicePart>().ToArray();
        catalog.WarnUnused();
        return parts;
    }

    /// <summary>Every object of the load by kind and name, with what has been made of them so far.</summary>
    private sealed class Catalog
    {
        private readonly FieldRules _rules;
        private readonly Dictionary<(string Kind, string Name), List<OpenSloDocumentDto>> _byName = [];
        private readonly List<OpenSloDocumentDto> _documents;
        private readonly HashSet<OpenSloDocumentDto> _used = [];
        private readonly Dictionary<SliSpecDto, SliRead?> _indicators = [];
        private readonly Dictionary<RefOrInlineDto, OpenSloDocumentDto?> _resolved = [];

        public Catalog(IReadOnlyList<OpenSloDocumentDto> documents, FieldRules rules)
        {
            _rules = rules;
            _documents = [.. documents];
            foreach (var doc in documents)
            {
                if (doc.Kind is { } kind && !Kinds.Contains(kind.Text, StringComparer.Ordinal))
                    rules.Error(kind, UnknownKind(kind.Text));
                if (doc.Metadata?.Name is { } name && rules.Name(name) is not null && doc.Kind is { } k)
                {
                    if (!_byName.TryGetValue((k.Text, name.Text), out var list))
                        _byName[(k.Text, name.Text)] = list = [];
                    list.Add(doc);
                }
            }

            // A policy's conditions and notification targets must exist, whether or not an SLO uses the policy.
            var policies = documents.Select(d => d.AlertPolicy)
                .Concat(documents.SelectMany(d => d.Slo?.AlertPolicies ?? []).Select(e => e.Inline?.AlertPolicy))
                .OfType<AlertPolicySpecDto>();
            foreach (var policy in policies)
            {
                foreach (var condition in policy.Conditions)
                    Resolve(condition, "AlertCondition", "conditionRef");
                foreach (var target in policy.NotificationTargets)
                    Resolve(target, "AlertNotificationTarget", "targetRef");
            }
        }

        private DiagnosticBag Bag => _rules.Bag;

        /// <summary>The object named by <paramref name="reference"/>, or null after saying why there is none.</summary>
        private OpenSloDocumentDto? Find(string kind, YamlScalar reference)
        {
            if (!_byName.TryGetValue((kind, reference.Text), out var list) || list.Count == 0)
            {
                _rules.Error(reference, $"{kind} '{reference.Text}' does not exist: no {kind} of that name was read");
                return null;
            }

            if (list.Count > 1)
            {
                _rules.Error(reference, $"{kind} '{reference.Text}' is ambiguous: it is defined at {string.Join(" and ", list.Select(d => d.At))}");
                return null;
            }

            _used.Add(list[0]);
            return list[0];
        }

        private OpenSloDocumentDto? Resolve(RefOrInlineDto item, string kind, string refKey)
        {
            if (_resolved.TryGetValue(item, out var known))
                return known;
            OpenSloDocumentDto? doc = null;
            if (item.Ref is { } r)
                doc = Find(kind, r);
            else if (item.Inline is { } inline)
            {
                if (inline.Kind is { } k && k.Text != kind)
                    _rules.Error(k, $"an object inlined here is of kind {kind}, not '{k.Text}' (or name one with {refKey})");
                else
                    doc = inline;
            }

            _resolved[item] = doc;
            return doc;
        }

        public void WarnUnused()
        {
            foreach (var doc in _documents.Where(d => d.Kind?.Text is "SLI" or "AlertPolicy" or "AlertCondition" && !_used.Contains(d)))
                Bag.Warning(doc.At, "kind", $"{doc.Kind!.Text} '{doc.Name}' is not used by any SLO read with it; it is not checked further");
        }

        public ServicePart? ReadSlo(OpenSloDocumentDto doc)
        {
            var rules = _rules;
            if (doc.Metadata is not { } meta || doc.Slo is not { } spec)
                return null;

            var service = rules.Name(spec.Service);
            var name = ObjectiveId.IsValidPart(meta.Name?.Text) ? meta.Name!.Text : null;
            var labels = rules.Labels(meta.Labels);
            var (signal, signalOk) = Signal(meta, rules);
            var window = Window(spec, rules);
            var method = spec.BudgetingMethod?.Text;
            if (spec.BudgetingMethod is { } bm && method is not ("Occurrences" or "Timeslices" or "RatioTimeslices"))
                rules.Error(bm, $"unknown budgeting method '{method}': expected Occurrences, Timeslices or RatioTimeslices");

            var alerting = Alerting(spec, window);
            if (spec.Objectives.Count == 0)
                Bag.Error(spec.At, $"{spec.Path}.objectives", "at least one objective is required");

            var slo = new SloRead(service, name, labels, signal, signalOk, window, method, alerting);
            if (spec.Objectives.Any(o => o.IsComposite))
                return ReadComposite(doc, meta, spec, slo);

            foreach (var weight in spec.Objectives.Select(o => o.CompositeWeight).OfType<YamlScalar>())
                Bag.Warning(weight.At, weight.Path, "has no effect: an SLO is a composite only when its objectives name their own indicator or indicatorRef");

            var sliDto = PeekSli(spec.Indicator, spec.IndicatorRef);
            var sli = Sli(spec.Indicator, spec.IndicatorRef, spec.At, $"{spec.Path}.indicator");
            RefuseSampledOccurrences(spec, sliDto);
            var objectives = new List<Objective>();
            for (var i = 0; i < spec.Objectives.Count; i++)
            {
                var o = spec.Objectives[i];
                var target = Target(o, rules);
                var (indicator, budgeting) = Measure(o, sliDto, sli, method);
                var objectiveName = spec.Objectives.Count == 1 || name is null ? name : $"{name}-{Suffix(o, i)}";
                if (!slo.Complete || objectiveName is null || target is null || budgeting is null || indicator is null)
                    continue;
                objectives.Add(new Objective(
                    new ObjectiveId(service!, objectiveName),
                    signal ?? indicator.DefaultSignal,
                    target.Value,
                    window!,
                    indicator,
                    budgeting,
                    alerting,
                    labels: labels,
                    description: spec.Description?.Text ?? meta.DisplayName?.Text,
                    definedAt: doc.At,
                    source: sli?.Source));
            }

            return service is null ? null : new ServicePart(service, doc.At, new Dictionary<string, string>(), null, objectives);
        }

        /// <summary>What the objectives of one SLO share, as read.</summary>
        private sealed record SloRead(string? Service, string? Name, Dictionary<string, string> Labels, Signal? Signal, bool SignalOk, SloWindow? Window, string? Method, AlertPolicy? Alerting)
        {
            /// <summary>Whether every shared part was read, so that objectives can be built.</summary>
            public bool Complete => Service is not null && Window is not null && SignalOk && Alerting is not null && Method is "Occurrences" or "Timeslices" or "RatioTimeslices";
        }

        /// <summary>A thresholdMetric's value is sampled once per slice: there are no occurrences to count.</summary>
        private void RefuseSampledOccurrences(SloSpecDto spec, SliSpecDto? sli)
        {
            if (sli is { Ratio: null, ThresholdAt: not null } && spec.BudgetingMethod is { Text: "Occurrences" } method)
            {
                _rules.Error(method, "thresholdMetric SLIs are read with budgetingMethod Timeslices (a slice is good when the query's value at its end " +
                                     "satisfies op value); Occurrences of a sampled value are not supported");
            }
        }

        /// <summary>
        /// An OpenSLO composite SLO (its objectives name their own indicators): every objective becomes an objective of its
        /// own, named like the objectives of a multi-objective SLO (<c>NAME-DISPLAYNAME</c>, or <c>NAME-POSITION</c> without
        /// a display name), with its own target and no alerts of its own; the SLO's name becomes a composite of them,
        /// weighted by <c>compositeWeight</c> (1 unless given), carrying the SLO's alert policies. The composite's budget
        /// burns as the weighted mean of its objectives' budgets: with one target for all it is judged against that
        /// target; with different targets each weight is divided by its objective's allowed bad fraction and the target is
        /// chosen to match (see <see cref="CompositeTarget"/>).
        /// </summary>
        private ServicePart? ReadComposite(OpenSloDocumentDto doc, MetadataDto meta, SloSpecDto spec, SloRead slo)
        {
            var rules = _rules;
            if (spec.IndicatorRef is { } reference)
                rules.Error(reference, "give indicatorRef on the SLO or indicators on each of its objectives (a composite SLO), not both");
            else if (spec.Indicator is { } inline)
                Bag.Error(inline.At, $"{spec.Path}.indicator", "give an indicator on the SLO or on each of its objectives (a composite SLO), not both");
            if (spec.BudgetingMethod is { Text: "Timeslices" or "RatioTimeslices" } method)
            {
                rules.Error(method, $"a composite SLO is read with budgetingMethod Occurrences only (its budget burns as the weighted mean of its " +
                                    $"objectives' bad-event ratios); {method.Text} composites are not supported");
            }

            var components = new List<(Objective Objective, double Weight, ObjectiveTargetDto Dto)>();
            var ok = true;
            for (var i = 0; i < spec.Objectives.Count; i++)
            {
                var o = spec.Objectives[i];
                if (!o.IsComposite)
                {
                    Bag.Error(o.At, $"{o.Path}.indicator", "is required in a composite SLO: every objective names its own indicator or indicatorRef");
                    ok = false;
                    continue;
                }

                var sliDto = PeekSli(o.Indicator, o.IndicatorRef);
                var sli = Sli(o.Indicator, o.IndicatorRef, o.At, $"{o.Path}.indicator");
                RefuseSampledOccurrences(spec, sliDto);
                var target = Target(o, rules);
                var (indicator, budgeting) = Measure(o, sliDto, sli, slo.Method);
                double? weight = 1;
                if (o.CompositeWeight is { } weightText && (weight = rules.Number(weightText)) is { } w && !(w > 0 && double.IsFinite(w)))
                {
                    rules.Error(weightText, $"{weightText.Text} is out of range: a compositeWeight is a number above 0");
                    weight = null;
                }

                if (!slo.Complete || slo.Name is null || target is null || indicator is null || budgeting is null || weight is null)
                {
                    ok = false;
                    continue;
                }

                var part = new Objective(
                    new ObjectiveId(slo.Service!, $"{slo.Name}-{Suffix(o, i)}"),
                    slo.Signal ?? indicator.DefaultSignal,
                    target.Value,
                    slo.Window!,
                    indicator,
                    budgeting,
                    QuietPart,
                    labels: slo.Labels,
                    description: o.DisplayName?.Text,
                    definedAt: o.At,
                    source: sli?.Source);
                components.Add((part, weight.Value, o));
            }

            if (slo.Service is null)
                return null;
            var objectives = components.Select(c => c.Objective).ToList();
            if (!ok || slo.Method != "Occurrences" || components.Count == 0)
                return new ServicePart(slo.Service, doc.At, new Dictionary<string, string>(), null, objectives);

            var (compositeTarget, weights) = CompositeTarget(components.Select(c => (c.Objective.Target, c.Weight)).ToArray());
            if (components.Select(c => c.Objective.Target).Distinct().Count() > 1)
            {
                Bag.Warning(spec.At, $"{spec.Path}.objectives",
                    $"the objectives' targets differ: the composite {slo.Service}/{slo.Name} is judged against {compositeTarget} with weights " +
                    string.Join(", ", components.Select((c, i) => $"{c.Objective.Name} x {weights[i].ToString("0.####", CultureInfo.InvariantCulture)}")) +
                    " (each compositeWeight over its objective's allowed bad fraction), so that its budget burns as the compositeWeight-weighted mean of theirs");
            }

            var id = new ObjectiveId(slo.Service, slo.Name!);
            var parts = components.Select((c, i) => new CompositeComponent(c.Objective.Id, weights[i])).ToArray();
            var signal = slo.Signal ?? components[0].Objective.Signal;
            objectives.Add(new Objective(id, signal, compositeTarget, slo.Window!, new CompositeIndicator(parts, signal), BudgetingMethod.Occurrences, slo.Alerting,
                labels: slo.Labels, description: spec.Description?.Text ?? meta.DisplayName?.Text, definedAt: doc.At));
            return new ServicePart(slo.Service, doc.At, new Dictionary<string, string>(), null, objectives)
            {
                CompositeReferences = components.Select(c => (id, c.Objective.Id, new YamlScalar(c.Objective.Id.ToString(), c.Dto.Path, c.Dto.At))).ToArray(),
            };
        }

        /// <summary>The SLI named by an inline indicator or a reference, as far as can be told without judging it.</summary>
        private SliSpecDto? PeekSli(OpenSloDocumentDto? inline, YamlScalar? reference) =>
            inline?.Sli ?? (reference is { } r && _byName.TryGetValue(("SLI", r.Text), out var list) && list.Count == 1 ? list[0].Sli : null);

        /// <summary>
        /// An objective's indicator and budgeting: a ratio SLI's indicator with the SLO's budgeting method, or a
        /// thresholdMetric's query sampled at the objective's time slices with its op and value. A threshold slice holds
        /// one value, good or bad, so its slice target cannot change the answer: it is checked, and read as 100%.
        /// </summary>
        private (Indicator? Indicator, BudgetingMethod? Budgeting) Measure(ObjectiveTargetDto o, SliSpecDto? dto, SliRead? sli, string? method)
        {
            var rules = _rules;
            var threshold = dto is { Ratio: null, ThresholdAt: not null };
            var budgeting = Budgeting(o, method, dto?.Ratio is not null, rules);
            if (!threshold)
                return (sli?.Ratio, budgeting);

            ThresholdOperator? op = null;
            if (o.Op is null)
                Bag.Error(o.At, $"{o.Path}.op", "is required with a thresholdMetric: lt, lte, gt or gte");
            else if (ThresholdOperators.TryParse(o.Op.Text, out var parsed))
                op = parsed;
            else
                rules.Error(o.Op, $"unknown op '{o.Op.Text}': expected lt, lte, gt or gte");

            var value = rules.Number(o.Value);
            if (o.Value is null)
                Bag.Error(o.At, $"{o.Path}.value", "is required with a thresholdMetric: the bound the query's value is compared with");

            if (budgeting is not SlicedBudgeting sliced || sli?.ThresholdQuery is not { } query || op is null || value is null)
                return (null, null);
            if (sliced.SliceLength.BclCompatibleTicks % TimeSpan.TicksPerSecond != 0)
            {
                rules.Error(o.TimeSliceWindow!, "a thresholdMetric's slice is a whole number of seconds: the query is sampled at each slice's end");
                return (null, null);
            }

            return (new ThresholdIndicator(query.Text, op.Value, value.Value, sliced.SliceLength), new TimeslicesBudgeting(1, sliced.SliceLength));
        }

        /// <summary>An SLI as read: a ratio's indicator, or a thresholdMetric's query, which its objective completes; and
        /// the source its metrics are read from (the DataSource their metricSourceRef names; null: the default source).</summary>
        private sealed record SliRead(Indicator? Ratio, YamlScalar? ThresholdQuery, string? Source);

        private SliRead? Sli(OpenSloDocumentDto? inline, YamlScalar? reference, SourceLocation at, string path)
        {
            SliSpecDto? sli = null;
            if (inline is not null)
            {
                if (reference is { } both)
                    _rules.Error(both, "give indicator or indicatorRef, not both");
                if (inline.Kind is { Text: not "SLI" } k)
                    _rules.Error(k, $"an indicator is an SLI, not '{k.Text}'");
                else
                    sli = inline.Sli;
            }
            else if (reference is not null)
            {
                sli = Find("SLI", reference)?.Sli;
            }
            else
            {
                Bag.Error(at, path, "is required: an inline SLI with a ratioMetric or a thresholdMetric, or indicatorRef naming an SLI");
            }

            if (sli is null)
                return null;
            if (!_indicators.TryGetValue(sli, out var read))
                _indicators[sli] = read = ReadSli(sli);
            return read;
        }

        private SliRead? ReadSli(SliSpecDto sli)
        {
            var rules = _rules;
            if (sli.ThresholdAt is { } t)
            {
                if (sli.Ratio is not null)
                {
                    Bag.Error(t, $"{sli.Path}.thresholdMetric", "give ratioMetric or thresholdMetric, not both");
                    return null;
                }

                var query = PrometheusQuery(sli.Threshold, "a PromQL expression whose value is compared with op and value, e.g. histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))");
                if (query is null)
                    return null;
                if (PromQlShape.Problem(query.Text) is { } problem)
                {
                    rules.Error(query, $"not a PromQL expression: {problem}");
                    return null;
                }

                return DataSourceOf([sli.Threshold], out var thresholdSource) ? new SliRead(null, query, thresholdSource) : null;
            }

            if (sli.Ratio is not { } ratio)
            {
                Bag.Error(sli.At, $"{sli.Path}.ratioMetric", "is required: an SLI holds a ratioMetric or a thresholdMetric");
                return null;
            }

            if (ratio.RawAt is { } rawAt)
            {
                Bag.Error(rawAt, $"{ratio.Path}.raw", "precomputed ratios (raw) are not supported: give good or bad, and total counters");
                return null;
            }

            if (rules.Bool(ratio.Counter) is false)
                rules.Error(ratio.Counter!, "only counters are supported (counter: true): events are counted with increase()");

            var ok = true;
            if (ratio.Good is null && ratio.Bad is null)
            {
                Bag.Error(ratio.At, $"{ratio.Path}.good", "one of good or bad is required");
                ok = false;
            }
            else if (ratio.Good is not null && ratio.Bad is not null)
            {
                Bag.Error(ratio.Bad.At, $"{ratio.Path}.bad", "give good or bad, not both");
                ok = false;
            }

            if (ratio.Total is null)
            {
                Bag.Error(ratio.At, $"{ratio.Path}.total", "is required");
                ok = false;
            }

            var good = Source(ratio.Good);
            var bad = Source(ratio.Bad);
            var total = Source(ratio.Total);
            return ok && total is not null && (good ?? bad) is not null && DataSourceOf([ratio.Good, ratio.Bad, ratio.Total], out var source)
                ? new SliRead(new RatioIndicator(good, bad, total), null, source)
                : null;
        }

        /// <summary>
        /// The DataSource an SLI's metrics are read from: the one their <c>metricSourceRef</c> names (the service's
        /// <c>Prometheus:Sources:NAME</c> of that name), or the default source when none names one. Every metric of an
        /// SLI must read the same one: an objective's events come from one server.
        /// </summary>
        private bool DataSourceOf(MetricSourceDto?[] metrics, out string? source)
        {
            source = null;
            var given = metrics.OfType<MetricSourceDto>().ToArray();
            if (given.Length == 0)
                return true;
            var first = given[0].Ref;
            foreach (var other in given.Skip(1).Where(o => o.Ref?.Text != first?.Text))
            {
                Bag.Error(other.Ref?.At ?? other.At, $"{other.Path}.metricSourceRef",
                    $"reads {(other.Ref is null ? "the default source" : $"DataSource '{other.Ref.Text}'")} while {given[0].Path} reads {(first is null ? "the default source" : $"DataSource '{first.Text}'")}: an SLI's counters must come from one source");
                return false;
            }

            if (first is null)
                return true;
            source = _rules.Name(first);
            return source is not null;
        }

        private SeriesSelector? Source(MetricSourceDto? source) =>
            PrometheusQuery(source, "a Prometheus series selector such as http_requests_total{job=\"checkout\"}") is { } query ? Selector(query, _rules) : null;

        /// <summary>The query of a Prometheus metric source (directly, or through a Prometheus DataSource), or null after
        /// saying why there is none.</summary>
        private YamlScalar? PrometheusQuery(MetricSourceDto? source, string expected)
        {
            if (source is null)
                return null;
            var rules = _rules;
            var type = source.Type;
            if (source.Ref is { } reference)
            {
                // The DataSource's type decides here; its name picks the service's source of that name, and its
                // connection details are not read (the configuration holds addresses and secrets). Without a type of
                // its own, a source must name a DataSource that exists.
                var dataSource = _byName.TryGetValue(("DataSource", reference.Text), out var list) && list.Count == 1 ? list[0] : null;
                if (dataSource is not null)
                    _used.Add(dataSource);
                if (dataSource?.DataSource?.Type is { } dsType)
                {
                    if (type is not null && !type.Text.Equals(dsType.Text, StringComparison.OrdinalIgnoreCase))
                    {
                        rules.Error(type, $"type '{type.Text}' differs from the type '{dsType.Text}' of DataSource '{reference.Text}' (at {dsType.At})");
                        return null;
                    }

                    if (!IsPrometheus(dsType.Text))
                    {
                        rules.Error(reference, $"metric source {dsType.Text} is not supported (DataSource '{reference.Text}'): only Prometheus sources are read");
                        return null;
                    }
                }
                else if (type is null)
                {
                    Find("DataSource", reference);
                    return null;
                }
            }

            if (type is not null && !IsPrometheus(type.Text))
            {
                rules.Error(type, $"metric source {type.Text} is not supported: only Prometheus sources are read");
                return null;
            }

            if (source.Query is null)
            {
                Bag.Error(source.SpecAt, $"{source.Path}.spec.query", $"is required: {expected}");
                return null;
            }

            return source.Query;
        }

        private AlertPolicy? Alerting(SloSpecDto spec, SloWindow? window)
        {
            if (spec.AlertPolicies is not { Count: > 0 } entries)
                return AlertPolicy.Default;

            var rules = _rules;
            var tiers = new List<AlertTier>();
            var ok = true;
            foreach (var entry in entries)
            {
                OpenSloDocumentDto? policy = null;
                if (entry.Ref is { } r)
                    policy = Find("AlertPolicy", r);
                else if (entry.Inline is { Kind: { Text: not "AlertPolicy" } k })
                    rules.Error(k, $"an alert policy inlined here is of kind AlertPolicy, not '{k.Text}' (or name one with alertPolicyRef)");
                else
                    policy = entry.Inline;

                if (policy?.AlertPolicy is not { } p)
                {
                    ok = false;
                    continue;
                }

                if (rules.Bool(p.AlertWhenNoData) is true)
                {
                    rules.Error(p.AlertWhenNoData!, "alertWhenNoData is not supported yet: only burn-rate alerts are sent");
                    ok = false;
                }

                if (rules.Bool(p.AlertWhenResolved) is false)
                    Bag.Warning(p.AlertWhenResolved!.At, p.AlertWhenResolved.Path, "resolutions are always sent to Alertmanager; whether a receiver passes them on is its send_resolved setting");

                var breaching = rules.Bool(p.AlertWhenBreaching);
                if (p.AlertWhenBreaching is null)
                    Bag.Warning(p.At, $"{p.Path}.alertWhenBreaching", "is not set, which OpenSLO reads as false: the policy's tiers are kept but disabled; set alertWhenBreaching: true to alert");

                if (p.NotificationTargets.Count > 0)
                    Bag.Warning(p.NotificationTargets[0].At, $"{p.Path}.notificationTargets", "notification targets are not used: alerts go to the Alertmanager of Alerting:AlertmanagerUrl, routed by their labels");

                foreach (var item in p.Conditions)
                {
                    var condition = Resolve(item, "AlertCondition", "conditionRef");
                    if (condition?.AlertCondition is not { } c)
                    {
                        ok = false;
                        continue;
                    }

                    var tier = Tier(c, window, breaching ?? false);
                    if (tier is null)
                    {
                        ok = false;
                    }
                    else if (tiers.Any(t => t.Key == tier.Key))
                    {
                        Bag.Error(c.ConditionAt ?? c.At, c.ConditionPath, $"tier {tier.Key} is given twice for this SLO");
                        ok = false;
                    }
                    else
                    {
                        tiers.Add(tier);
                    }
                }
            }

            return ok ? new AlertPolicy(tiers, 0) : null;
        }

        /// <summary>
        /// A burn-rate condition as a tier: the threshold is the tier's factor over lookbackWindow (its long window); the
        /// short window is a twelfth of the long one, the ratio of every tier of the SRE Workbook (1h/5m ... 3d/6h).
        /// </summary>
        private AlertTier? Tier(AlertConditionSpecDto c, SloWindow? window, bool enabled)
        {
            var rules = _rules;
            var ok = true;
            Severity severity = default;
            if (c.Severity is { } s && !SeverityNames.TryParse(s.Text, out severity))
            {
                rules.Error(s, $"severity '{s.Text}' is not supported: a tier is page or ticket");
                ok = false;
            }

            if (c.Kind is { } kind && kind.Text != "burnrate")
            {
                rules.Error(kind, $"condition kind '{kind.Text}' is not supported: only burnrate");
                ok = false;
            }

            if (c.Op is { } op && op.Text is not ("gt" or "gte"))
            {
                rules.Error(op, op.Text is "lt" or "lte"
                    ? $"op {op.Text} is not supported: a burn-rate tier fires when the burn rate exceeds the threshold (gt or gte)"
                    : $"unknown op '{op.Text}': expected gt or gte (lt and lte are not supported)");
                ok = false;
            }

            var threshold = rules.Number(c.Threshold);
            if (threshold is { } th && !(th > 0))
            {
                rules.Error(c.Threshold!, $"{FieldRules.Format(th)} is out of range: a burn-rate threshold is above 0");
                threshold = null;
            }

            Duration? lookback = null;
            if (c.LookbackWindow is { } lw)
            {
                lookback = FixedShorthand(lw);
                if (lookback is null)
                    rules.Error(lw, $"'{lw.Text}' is not a look-back window: a whole number and one of m, h, d, w (e.g. 1h)");
            }

            if (c.AlertAfter is { } after)
            {
                var pending = FixedShorthand(after) ?? (after.Text is "0" or "0m" or "0s" ? Duration.Zero : null);
                if (pending is null)
                {
                    rules.Error(after, $"'{after.Text}' is not a duration: a whole number and one of m, h, d, w (e.g. 5m)");
                    ok = false;
                }
                else if (pending > Duration.Zero)
                {
                    rules.Error(after, $"alertAfter {after.Text} is not supported: a tier fires at the first evaluation where both its windows burn faster than the threshold, without waiting; drop alertAfter or set it to 0m");
                    ok = false;
                }
            }

            if (threshold is null || lookback is null || !ok)
                return null;

            if (window is not RollingWindow rolling)
            {
                if (window is not null)
                    rules.Error(c.Threshold!, "a burn-rate condition maps onto a tier only for a rolling timeWindow: a calendar period's length varies, so a fixed threshold would not stay one share of the budget");
                return null;
            }

            var period = (decimal)rolling.Duration.TotalSeconds;
            var consumed = (double)((decimal)threshold.Value * (decimal)lookback.Value.TotalSeconds / period);
            if (consumed > 1)
            {
                rules.Error(c.Threshold!, $"burning at {FieldRules.Format(threshold.Value)} for {c.LookbackWindow!.Text} spends more than the whole budget of {rolling.Length}: lower the threshold or the look-back window");
                return null;
            }

            var shortWindow = lookback.Value / 12;
            if (shortWindow < Duration.FromSeconds(1))
            {
                rules.Error(c.LookbackWindow!, "a look-back window must be at least 12s: the tier's short window is a twelfth of it");
                return null;
            }

            return new AlertTier(severity, consumed, lookback.Value, shortWindow, enabled);
        }
    }

    /// <summary>A composite's parts raise no alerts of their own: the SLO's alert policies are the composite's.</summary>
    private static readonly AlertPolicy QuietPart = new([], 0) { NoDataAfter = null };

    /// <summary>
    /// The target and weights that make a composite's consumed budget the <paramref name="parts"/>' weighted mean of
    /// their own consumed budgets, sum(w x bad_i / b_i) / sum(w), where b_i is a part's allowed bad fraction. The
    /// composite's consumed budget is sum(w' x bad_i) / sum(w') / b, so w' = w x b / b_i and b = sum(w) / sum(w / b_i)
    /// (the weights keep their sum). One target for all parts gives that target and the weights unchanged.
    /// </summary>
    internal static (Target Target, double[] Weights) CompositeTarget(IReadOnlyList<(Target Target, double Weight)> parts)
    {
        if (parts.Select(p => p.Target).Distinct().Count() == 1)
            return (parts[0].Target, parts.Select(p => p.Weight).ToArray());
        var allowed = parts.Sum(p => p.Weight) / parts.Sum(p => p.Weight / p.Target.AllowedBadFraction);
        // Rounded so that the target reads back the same through its percent (slo convert).
        var target = Budgets.Target.FromFraction(Math.Round(1 - allowed, 12));
        var b = target.AllowedBadFraction;
        return (target, parts.Select(p => p.Weight * b / p.Target.AllowedBadFraction).ToArray());
    }

    private static bool IsPrometheus(string type) => type.Equals("Prometheus", StringComparison.OrdinalIgnoreCase);

    /// <summary>A Prometheus query that names a counter: a series selector, or <c>sum(</c> one <c>)</c> (events are
    /// counted per series with <c>increase()</c> and then summed, which the sum of raw counters means).</summary>
    private static SeriesSelector? Selector(YamlScalar? query, FieldRules rules)
    {
        if (query is null)
            return null;
        var text = query.Text.Trim();
        var sum = SumOf().Match(text);
        if (sum.Success && SeriesSelector.TryParse(sum.Groups["inner"].Value, out var inner, out _))
            return inner!.Metric is null ? MissingMetric(query, rules) : inner;

        var selector = rules.Selector(query with { Text = text });
        return selector is { Metric: null } ? MissingMetric(query, rules) : selector;
    }

    private static SeriesSelector? MissingMetric(YamlScalar query, FieldRules rules)
    {
        rules.Error(query, "a counter selector needs a metric name, e.g. http_requests_total{job=\"checkout\"}");
        return null;
    }

    /// <summary>An OpenSLO duration of fixed length (m, h, d, w), or null.</summary>
    private static Duration? FixedShorthand(YamlScalar text) =>
        TryShorthand(text.Text, out var amount, out var unit)
            ? unit switch
            {
                'm' => Duration.FromMinutes(amount),
                'h' => Duration.FromHours(amount),
                'd' => Duration.FromDays(amount),
                'w' => Duration.FromDays(7 * amount),
                _ => null,
            }
            : null;

    private static string Suffix(ObjectiveTargetDto o, int index)
    {
        var slug = o.DisplayName is null ? "" : SlugJunk().Replace(o.DisplayName.Text.ToLowerInvariant(), "-").Trim('-');
        return slug.Length > 0 ? slug : (index + 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The signal the SLO's annotation names (null when it names none, and its indicators decide), and
    /// whether the annotation, if any, is one.</summary>
    private static (Signal? Signal, bool Ok) Signal(MetadataDto meta, FieldRules rules)
    {
        var annotation = meta.Annotations?.FirstOrDefault(a => a.Key.Text == SignalAnnotation);
        if (annotation is not { } a || a.Value is null)
            return (null, true);
        if (SignalNames.TryParse(a.Value.Text, out var signal))
            return (signal, true);
        rules.Error(a.Value, $"unknown signal '{a.Value.Text}': expected {SignalNames.Reliability} or {SignalNames.Performance}");
        return (null, false);
    }

    private static SloWindow? Window(SloSpecDto spec, FieldRules rules)
    {
        var bag = rules.Bag;
        var path = $"{spec.Path}.timeWindow";
        if (spec.TimeWindows is not { } windows)
        {
            bag.Warning(spec.At, path, $"is not given: read as a rolling {Time.DurationText.Format(DefaultWindow)}, the period Sloth and the SRE Workbook's tiers assume; write timeWindow to choose");
            return new RollingWindow(DefaultWindow);
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
            if (unit == 'M' && amount <= 1000)
            {
                // A rolling window needs one length; "a rolling month" is read as 30 days (see the README), and said so.
                var days = RollingMonthDays * amount;
                bag.Warning(durationText.At, durationText.Path,
                    $"a rolling '{durationText.Text}' is read as {days}d (months vary in length); write {days}d, or a calendar month with isRolling: false, to say so");
                return new RollingWindow(Duration.FromDays(days));
            }

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
        rules.Error(text, $"a rolling window needs a fixed length, and '{unit}' ({(unit == 'Q' ? "quarters" : "years")}) varies: use days (e.g. 90d) or a calendar window");
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

    /// <param name="ratio">Whether the SLI is a ratioMetric, for which op and value are forbidden (as the specification's
    /// validators say); a thresholdMetric's op and value are read with its objective.</param>
    private static BudgetingMethod? Budgeting(ObjectiveTargetDto o, string? method, bool ratio, FieldRules rules)
    {
        if (ratio)
        {
            foreach (var forbidden in new[] { o.Op, o.Value }.OfType<YamlScalar>())
                rules.Error(forbidden, $"{forbidden.Path[(forbidden.Path.LastIndexOf('.') + 1)..]} is forbidden with a ratioMetric: op and value belong to thresholdMetric SLIs");
        }

        if (method is not ("Timeslices" or "RatioTimeslices"))
        {
            if (o.TimeSliceTarget is { } tst)
                rules.Error(tst, "timeSliceTarget applies only with budgetingMethod: Timeslices");
            return BudgetingMethod.Occurrences;
        }

        Duration? slice = null;
        if (o.TimeSliceWindow is null)
        {
            rules.Bag.Error(o.At, $"{o.Path}.timeSliceWindow", $"is required with budgetingMethod: {method}");
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

        if (method == "RatioTimeslices")
        {
            if (o.TimeSliceTarget is { } tst)
                rules.Error(tst, "timeSliceTarget applies only with budgetingMethod: Timeslices; RatioTimeslices averages the slices' ratios");
            return slice is null || o.TimeSliceTarget is not null ? null : new RatioTimeslicesBudgeting(slice.Value);
        }

        var sliceTarget = rules.Number(o.TimeSliceTarget);
        if (o.TimeSliceTarget is null)
            rules.Bag.Error(o.At, $"{o.Path}.timeSliceTarget", "is required with budgetingMethod: Timeslices");
        else if (sliceTarget is { } st && !(st > 0 && st <= 1))
        {
            rules.Error(o.TimeSliceTarget, $"{FieldRules.Format(st)} is out of range: a slice target is a fraction in (0, 1]");
            sliceTarget = null;
        }

        return sliceTarget is null || slice is null ? null : new TimeslicesBudgeting(sliceTarget.Value, slice.Value);
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex SlugJunk();

    [GeneratedRegex(@"^sum\s*\((?<inner>.*)\)$", RegexOptions.Singleline)]
    private static partial Regex SumOf();
}
