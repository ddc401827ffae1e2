using Slo.Engine.Definitions.Yaml;

namespace Slo.Engine.Definitions.OpenSlo;

// The shape of an `apiVersion: openslo/v1`, `kind: SLO` document as written (see the OpenSLO v1 specification).
// Keys the specification defines but this service does not act on (alertPolicies, thresholdMetric, indicatorRef ...)
// are read here so that the validator can say so precisely instead of calling them unknown.

internal sealed record OpenSloDocumentDto(SourceLocation At, YamlScalar? Kind, MetadataDto? Metadata, SloSpecDto? Spec)
{
    public static OpenSloDocumentDto Read(YamlMap map)
    {
        map.Scalar("apiVersion");
        var kind = map.Scalar("kind", required: true);
        if (kind?.Text == "Service")
        {
            // A Service document names a service: its keys are checked like an SLO's.
            var service = new OpenSloDocumentDto(map.At, kind, map.Map("metadata", required: true) is { } sm ? MetadataDto.Read(sm) : null, null);
            if (map.Map("spec") is { } spec)
            {
                spec.Scalar("description");
                spec.RejectUnknownKeys();
            }

            map.RejectUnknownKeys();
            return service;
        }

        if (kind?.Text != "SLO")
        {
            // SLI, DataSource, AlertPolicy ... documents: the validator says whether the kind exists at all.
            map.Node("metadata");
            map.Node("spec");
            return new OpenSloDocumentDto(map.At, kind, null, null);
        }

        var dto = new OpenSloDocumentDto(
            map.At,
            kind,
            map.Map("metadata", required: true) is { } m ? MetadataDto.Read(m) : null,
            map.Map("spec", required: true) is { } s ? SloSpecDto.Read(s) : null);
        map.RejectUnknownKeys();
        return dto;
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
    SliDto? Indicator,
    YamlScalar? IndicatorRef,
    IReadOnlyList<TimeWindowDto>? TimeWindows,
    SourceLocation? TimeWindowAt,
    YamlScalar? BudgetingMethod,
    IReadOnlyList<ObjectiveTargetDto> Objectives,
    SourceLocation? AlertPoliciesAt)
{
    public static SloSpecDto Read(YamlMap map)
    {
        var windowNode = map.Node("timeWindow");
        var alertPolicies = map.Node("alertPolicies");
        var dto = new SloSpecDto(
            map.At,
            map.Path,
            map.Scalar("service", required: true),
            map.Scalar("description"),
            map.Map("indicator") is { } i ? SliDto.Read(i) : null,
            map.Scalar("indicatorRef"),
            map.Sequence("timeWindow")?.Select(w => map.AsMap(w.Node, w.Path)).OfType<YamlMap>().Select(TimeWindowDto.Read).ToArray(),
            windowNode is null ? null : YamlMap.Locate(windowNode, map.File),
            map.Scalar("budgetingMethod", required: true),
            (map.Sequence("objectives", required: true) ?? [])
                .Select(o => map.AsMap(o.Node, o.Path))
                .OfType<YamlMap>()
                .Select(ObjectiveTargetDto.Read)
                .ToArray(),
            alertPolicies is null ? null : YamlMap.Locate(alertPolicies, map.File));
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary>An inline SLI: <c>indicator: { metadata, spec: { ratioMetric | thresholdMetric } }</c>.</summary>
internal sealed record SliDto(SourceLocation At, string Path, RatioMetricDto? Ratio, SourceLocation? ThresholdMetricAt)
{
    public static SliDto Read(YamlMap map)
    {
        map.Node("metadata");
        var spec = map.Map("spec", required: true);
        RatioMetricDto? ratio = null;
        SourceLocation? threshold = null;
        if (spec is not null)
        {
            spec.Scalar("description");
            ratio = spec.Map("ratioMetric") is { } r ? RatioMetricDto.Read(r) : null;
            threshold = spec.Node("thresholdMetric") is { } t ? YamlMap.Locate(t, map.File) : null;
            spec.RejectUnknownKeys();
        }

        map.RejectUnknownKeys();
        return new SliDto(map.At, map.Path, ratio, threshold);
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

/// <summary><c>{ metricSource: { metricSourceRef?, type, spec: { query } } }</c>.</summary>
internal sealed record MetricSourceDto(SourceLocation At, string Path, YamlScalar? Type, YamlScalar? Query)
{
    public static MetricSourceDto? Read(YamlMap map)
    {
        var source = map.Map("metricSource", required: true);
        map.RejectUnknownKeys();
        if (source is null)
            return null;
        source.Scalar("metricSourceRef");
        var type = source.Scalar("type");
        var spec = source.Map("spec", required: true);
        var query = spec?.Scalar("query", required: true);
        // A source's spec is free-form by the specification; only `query` is read.
        source.RejectUnknownKeys();
        return new MetricSourceDto(source.At, source.Path, type, query);
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
            map.Scalar("value"));
        map.RejectUnknownKeys();
        return dto;
    }
}
