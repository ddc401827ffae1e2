using Slo.Engine.Definitions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Slo.Engine.Definitions.OpenSlo;

// The shape of `apiVersion: openslo/v1` documents as written (see the OpenSLO v1 specification), every kind of them.
// Keys the specification defines but this service does not act on (raw, rawType ...) are read here so that the
// validator can say precisely that they are unsupported instead of calling them unknown.

/// <summary>One OpenSLO document, or an object inlined in another (an SLO's <c>indicator</c>, a policy's condition).</summary>
internal sealed record OpenSloDocumentDto(
    SourceLocation At,
    YamlScalar? Kind,
    MetadataDto? Metadata,
    SloSpecDto? Slo = null,
    SliSpecDto? Sli = null,
    DataSourceSpecDto? DataSource = null,
    AlertPolicySpecDto? AlertPolicy = null,
    AlertConditionSpecDto? AlertCondition = null)
{
    public string? Name => Metadata?.Name?.Text;

    public static OpenSloDocumentDto Read(YamlMap map)
    {
        map.Scalar("apiVersion");
        var kind = map.Scalar("kind", required: true);
        var dto = ReadObject(map, kind, metadataRequired: true);
        map.RejectUnknownKeys();
        return dto;
    }

    /// <summary>An object inlined where a reference could stand: <c>{ kind, metadata, spec }</c>, kind optional.</summary>
    public static OpenSloDocumentDto ReadInline(YamlMap map, string expectedKind)
    {
        var kind = map.Scalar("kind");
        var dto = ReadObject(map, kind ?? new YamlScalar(expectedKind, map.Child("kind"), map.At), metadataRequired: false);
        map.RejectUnknownKeys();
        return dto;
    }

    private static OpenSloDocumentDto ReadObject(YamlMap map, YamlScalar? kind, bool metadataRequired)
    {
        var metadata = map.Map("metadata", required: metadataRequired) is { } m ? MetadataDto.Read(m) : null;
        switch (kind?.Text)
        {
            case "SLO":
                return new(map.At, kind, metadata, Slo: map.Map("spec", required: true) is { } slo ? SloSpecDto.Read(slo) : null);
            case "SLI":
                return new(map.At, kind, metadata, Sli: map.Map("spec", required: true) is { } sli ? SliSpecDto.Read(sli) : null);
            case "DataSource":
                return new(map.At, kind, metadata, DataSource: map.Map("spec", required: true) is { } ds ? DataSourceSpecDto.Read(ds) : null);
            case "AlertPolicy":
                return new(map.At, kind, metadata, AlertPolicy: map.Map("spec", required: true) is { } ap ? AlertPolicySpecDto.Read(ap) : null);
            case "AlertCondition":
                return new(map.At, kind, metadata, AlertCondition: map.Map("spec", required: true) is { } ac ? AlertConditionSpecDto.Read(ac) : null);
            case "AlertNotificationTarget":
                if (map.Map("spec", required: true) is { } target)
                {
                    target.Scalar("description");
                    target.Scalar("target", required: true);
                    target.RejectUnknownKeys();
                }

                return new(map.At, kind, metadata);
            case "Service":
                if (map.Map("spec") is { } service)
                {
                    service.Scalar("description");
                    service.RejectUnknownKeys();
                }

                return new(map.At, kind, metadata);
            default:
                // The validator says that the kind does not exist; its spec is not judged.
                map.Node("spec");
                return new(map.At, kind, metadata);
        }
    }
}

internal sealed record MetadataDto(
    SourceLocation At,
    string Path,
    YamlScalar? Name,
    YamlScalar? DisplayName,
    IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? Labels,
    IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? Annotations)
{
    public static MetadataDto Read(YamlMap map)
    {
        var dto = new MetadataDto(
            map.At,
            map.Path,
            map.Scalar("name", required: true),
            map.Scalar("displayName"),
            map.StringMap("labels", allowLists: true),
            map.StringMap("annotations"));
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record SloSpecDto(
    SourceLocation At,
    string Path,
    YamlScalar? Service,
    YamlScalar? Description,
    OpenSloDocumentDto? Indicator,
    YamlScalar? IndicatorRef,
    IReadOnlyList<TimeWindowDto>? TimeWindows,
    SourceLocation? TimeWindowAt,
    YamlScalar? BudgetingMethod,
    IReadOnlyList<ObjectiveTargetDto> Objectives,
    IReadOnlyList<PolicyEntryDto>? AlertPolicies)
{
    public static SloSpecDto Read(YamlMap map)
    {
        var windowNode = map.Node("timeWindow");
        var dto = new SloSpecDto(
            map.At,
            map.Path,
            map.Scalar("service", required: true),
            map.Scalar("description"),
            map.Map("indicator") is { } i ? OpenSloDocumentDto.ReadInline(i, "SLI") : null,
            map.Scalar("indicatorRef"),
            map.Sequence("timeWindow")?.Select(w => map.AsMap(w.Node, w.Path)).OfType<YamlMap>().Select(TimeWindowDto.Read).ToArray(),
            windowNode is null ? null : YamlMap.Locate(windowNode, map.File),
            map.Scalar("budgetingMethod", required: true),
            Maps(map, "objectives", required: true).Select(ObjectiveTargetDto.Read).ToArray(),
            map.Node("alertPolicies") is null ? null : Maps(map, "alertPolicies").Select(PolicyEntryDto.Read).ToArray());
        map.RejectUnknownKeys();
        return dto;
    }

    internal static IEnumerable<YamlMap> Maps(YamlMap map, string key, bool required = false) =>
        (map.Sequence(key, required) ?? []).Select(o => map.AsMap(o.Node, o.Path)).OfType<YamlMap>();
}

/// <summary>An SLO's <c>alertPolicies[]</c> item: <c>{ alertPolicyRef }</c> or an inlined AlertPolicy.</summary>
internal sealed record PolicyEntryDto(SourceLocation At, string Path, YamlScalar? Ref, OpenSloDocumentDto? Inline)
{
    public static PolicyEntryDto Read(YamlMap map)
    {
        if (map.Has("alertPolicyRef"))
        {
            var dto = new PolicyEntryDto(map.At, map.Path, map.Scalar("alertPolicyRef", required: true), null);
            map.RejectUnknownKeys();
            return dto;
        }

        return new PolicyEntryDto(map.At, map.Path, null, OpenSloDocumentDto.ReadInline(map, "AlertPolicy"));
    }
}

/// <summary>The spec of an SLI, inlined or a document of its own: a <c>ratioMetric</c> or a <c>thresholdMetric</c>.</summary>
internal sealed record SliSpecDto(SourceLocation At, string Path, RatioMetricDto? Ratio, MetricSourceDto? Threshold, SourceLocation? ThresholdAt)
{
    public static SliSpecDto Read(YamlMap map)
    {
        map.Scalar("description");
        var ratio = map.Map("ratioMetric") is { } r ? RatioMetricDto.Read(r) : null;
        var thresholdNode = map.Node("thresholdMetric");
        var threshold = map.Map("thresholdMetric") is { } t ? MetricSourceDto.Read(t) : null;
        map.RejectUnknownKeys();
        return new SliSpecDto(map.At, map.Path, ratio, threshold, thresholdNode is null ? null : YamlMap.Locate(thresholdNode, map.File));
    }
}

internal sealed record RatioMetricDto(
    SourceLocation At,
    string Path,
    YamlScalar? Counter,
    MetricSourceDto? Good,
    MetricSourceDto? Bad,
    MetricSourceDto? Total,
    SourceLocation? RawAt)
{
    public static RatioMetricDto Read(YamlMap map)
    {
        var raw = map.Node("raw");
        map.Node("rawType");
        var dto = new RatioMetricDto(
            map.At,
            map.Path,
            map.Scalar("counter"),
            map.Map("good") is { } g ? MetricSourceDto.Read(g) : null,
            map.Map("bad") is { } b ? MetricSourceDto.Read(b) : null,
            map.Map("total") is { } t ? MetricSourceDto.Read(t) : null,
            raw is null ? null : YamlMap.Locate(raw, map.File));
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary><c>{ metricSource: { metricSourceRef?, type?, spec: { query, ... } } }</c>.</summary>
internal sealed record MetricSourceDto(SourceLocation At, string Path, YamlScalar? Ref, YamlScalar? Type, YamlScalar? Query, SourceLocation SpecAt)
{
    public static MetricSourceDto? Read(YamlMap map)
    {
        var source = map.Map("metricSource", required: true);
        map.RejectUnknownKeys();
        if (source is null)
            return null;
        var reference = source.Scalar("metricSourceRef");
        var type = source.Scalar("type");
        var spec = source.Map("spec", required: true);
        // A source's spec is free-form by the specification (each type has its own keys); a Prometheus one's `query` is read.
        var query = spec?.Scalar("query");
        source.RejectUnknownKeys();
        return new MetricSourceDto(source.At, source.Path, reference, type, query, spec?.At ?? source.At);
    }
}

/// <summary>A DataSource's spec: <c>{ description?, type, connectionDetails }</c>; connection details are free-form.</summary>
internal sealed record DataSourceSpecDto(SourceLocation At, string Path, YamlScalar? Type)
{
    public static DataSourceSpecDto Read(YamlMap map)
    {
        map.Scalar("description");
        map.Node("connectionDetails");
        var dto = new DataSourceSpecDto(map.At, map.Path, map.Scalar("type", required: true));
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record AlertPolicySpecDto(
    SourceLocation At,
    string Path,
    YamlScalar? AlertWhenNoData,
    YamlScalar? AlertWhenResolved,
    YamlScalar? AlertWhenBreaching,
    IReadOnlyList<RefOrInlineDto> Conditions,
    IReadOnlyList<RefOrInlineDto> NotificationTargets)
{
    public static AlertPolicySpecDto Read(YamlMap map)
    {
        map.Scalar("description");
        var dto = new AlertPolicySpecDto(
            map.At,
            map.Path,
            map.Scalar("alertWhenNoData"),
            map.Scalar("alertWhenResolved"),
            map.Scalar("alertWhenBreaching"),
            SloSpecDto.Maps(map, "conditions", required: true).Select(m => RefOrInlineDto.Read(m, "conditionRef", "AlertCondition")).ToArray(),
            SloSpecDto.Maps(map, "notificationTargets", required: true).Select(m => RefOrInlineDto.Read(m, "targetRef", "AlertNotificationTarget")).ToArray());
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary>A list item that names another object (<c>conditionRef</c>, <c>targetRef</c>) or inlines it.</summary>
internal sealed record RefOrInlineDto(SourceLocation At, string Path, YamlScalar? Ref, OpenSloDocumentDto? Inline)
{
    public static RefOrInlineDto Read(YamlMap map, string refKey, string kind)
    {
        if (map.Has(refKey))
        {
            var dto = new RefOrInlineDto(map.At, map.Path, map.Scalar(refKey, required: true), null);
            map.RejectUnknownKeys();
            return dto;
        }

        return new RefOrInlineDto(map.At, map.Path, null, OpenSloDocumentDto.ReadInline(map, kind));
    }
}

internal sealed record AlertConditionSpecDto(
    SourceLocation At,
    string Path,
    YamlScalar? Severity,
    SourceLocation? ConditionAt,
    string ConditionPath,
    YamlScalar? Kind,
    YamlScalar? Op,
    YamlScalar? Threshold,
    YamlScalar? LookbackWindow,
    YamlScalar? AlertAfter)
{
    public static AlertConditionSpecDto Read(YamlMap map)
    {
        map.Scalar("description");
        var severity = map.Scalar("severity", required: true);
        var condition = map.Map("condition", required: true);
        YamlScalar? kind = null, op = null, threshold = null, lookback = null, after = null;
        if (condition is not null)
        {
            kind = condition.Scalar("kind");
            op = condition.Scalar("op", required: true);
            threshold = condition.Scalar("threshold", required: true);
            lookback = condition.Scalar("lookbackWindow", required: true);
            after = condition.Scalar("alertAfter");
            condition.RejectUnknownKeys();
        }

        map.RejectUnknownKeys();
        return new AlertConditionSpecDto(map.At, map.Path, severity, condition?.At, map.Child("condition"), kind, op, threshold, lookback, after);
    }
}

internal sealed record TimeWindowDto(SourceLocation At, string Path, YamlScalar? Duration, YamlScalar? IsRolling, YamlScalar? StartTime, YamlScalar? TimeZone, bool HasCalendar)
{
    public static TimeWindowDto Read(YamlMap map)
    {
        var calendar = map.Map("calendar");
        YamlScalar? start = null, zone = null;
        if (calendar is not null)
        {
            start = calendar.Scalar("startTime");
            zone = calendar.Scalar("timeZone");
            calendar.RejectUnknownKeys();
        }

        var dto = new TimeWindowDto(map.At, map.Path, map.Scalar("duration", required: true), map.Scalar("isRolling"), start, zone, calendar is not null);
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record ObjectiveTargetDto(
    SourceLocation At,
    string Path,
    YamlScalar? DisplayName,
    YamlScalar? Target,
    YamlScalar? TargetPercent,
    YamlScalar? TimeSliceTarget,
    YamlScalar? TimeSliceWindow,
    YamlScalar? Op,
    YamlScalar? Value)
{
    /// <summary>A composite SLO's objective names its own SLI, inline or by reference, and may weigh it.</summary>
    public OpenSloDocumentDto? Indicator { get; init; }

    public YamlScalar? IndicatorRef { get; init; }

    public YamlScalar? CompositeWeight { get; init; }

    /// <summary>Whether this objective makes its SLO a composite (it names an indicator of its own), as go-sdk decides.</summary>
    public bool IsComposite => Indicator is not null || IndicatorRef is not null;

    public static ObjectiveTargetDto Read(YamlMap map)
    {
        var dto = new ObjectiveTargetDto(
            map.At,
            map.Path,
            map.Scalar("displayName"),
            map.Scalar("target"),
            map.Scalar("targetPercent"),
            map.Scalar("timeSliceTarget"),
            map.Scalar("timeSliceWindow"),
            map.Scalar("op"),
            map.Scalar("value"))
        {
            Indicator = map.Map("indicator") is { } i ? OpenSloDocumentDto.ReadInline(i, "SLI") : null,
            IndicatorRef = map.Scalar("indicatorRef"),
            CompositeWeight = map.Scalar("compositeWeight"),
        };
        map.RejectUnknownKeys();
        return dto;
    }
}
