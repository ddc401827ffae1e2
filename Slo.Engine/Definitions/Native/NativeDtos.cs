using Slo.Engine.Definitions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Slo.Engine.Definitions.Native;

// The shape of an `apiVersion: slo/v1` document, exactly as written: strings with their places, nothing judged yet.
// Reading reports only structural mistakes (unknown keys, a list where a mapping belongs); NativeValidator judges values.

internal sealed record NativeDocumentDto(
    SourceLocation At,
    YamlScalar? Kind,
    YamlScalar? Service,
    IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? Labels,
    GateDto? Gate,
    IReadOnlyList<ObjectiveDto> Objectives,
    IReadOnlyList<CorrectionDto> Corrections)
{
    /// <summary>The Prometheus source of the service's objectives, unless one names its own.</summary>
    public YamlScalar? Source { get; init; }

    public static NativeDocumentDto Read(YamlMap map)
    {
        map.Scalar("apiVersion");
        var dto = new NativeDocumentDto(
            map.At,
            map.Scalar("kind", required: true),
            map.Scalar("service", required: true),
            map.StringMap("labels"),
            map.Map("gate") is { } gate ? GateDto.Read(gate) : null,
            (map.Sequence("objectives", required: true) ?? [])
                .Select(item => map.AsMap(item.Node, item.Path))
                .OfType<YamlMap>()
                .Select(ObjectiveDto.Read)
                .ToArray(),
            (map.Sequence("corrections") ?? [])
                .Select(item => map.AsMap(item.Node, item.Path))
                .OfType<YamlMap>()
                .Select(CorrectionDto.Read)
                .ToArray()) { Source = map.Scalar("source") };
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary>A maintenance window or known-bad period: <c>{ name, start, duration, rrule?, timeZone?, objectives?, reason? }</c>.</summary>
internal sealed record CorrectionDto(
    SourceLocation At,
    string Path,
    YamlScalar? Name,
    YamlScalar? Start,
    YamlScalar? Duration,
    YamlScalar? RRule,
    YamlScalar? TimeZone,
    IReadOnlyList<YamlScalar>? Objectives,
    YamlScalar? Reason)
{
    public static CorrectionDto Read(YamlMap map)
    {
        var dto = new CorrectionDto(
            map.At,
            map.Path,
            map.Scalar("name", required: true),
            map.Scalar("start", required: true),
            map.Scalar("duration", required: true),
            map.Scalar("rrule"),
            map.Scalar("timeZone"),
            map.Sequence("objectives")?.Select(item => map.AsScalar(item.Node, item.Path)).OfType<YamlScalar>().ToArray(),
            map.Scalar("reason"));
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record ObjectiveDto(
    SourceLocation At,
    string Path,
    YamlScalar? Name,
    YamlScalar? Description,
    YamlScalar? Signal,
    YamlScalar? Target,
    WindowDto? Window,
    IndicatorDto? Indicator,
    AlertingDto? Alerting,
    IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? Labels,
    BudgetingDto? Budgeting = null)
{
    /// <summary>Set instead of <see cref="Indicator"/> for a composite objective.</summary>
    public CompositeDto? Composite { get; init; }

    /// <summary>The Prometheus source of this objective, over the service's.</summary>
    public YamlScalar? Source { get; init; }

    public static ObjectiveDto Read(YamlMap map)
    {
        var composite = map.Map("composite") is { } c ? CompositeDto.Read(c) : null;
        var dto = new ObjectiveDto(
            map.At,
            map.Path,
            map.Scalar("name", required: true),
            map.Scalar("description"),
            map.Scalar("signal"),
            map.Scalar("target", required: true),
            WindowDto.Read(map, "window"),
            map.Map("indicator", required: composite is null) is { } indicator ? IndicatorDto.Read(indicator) : null,
            map.Map("alerting") is { } alerting ? AlertingDto.Read(alerting) : null,
            map.StringMap("labels"),
            BudgetingDto.Read(map)) { Composite = composite, Source = map.Scalar("source") };
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary><c>composite: { objectives: [ { objective: cart/availability, weight: 1 }, ... ] }</c>.</summary>
internal sealed record CompositeDto(SourceLocation At, string Path, IReadOnlyList<(YamlScalar? Objective, YamlScalar? Weight, SourceLocation At)> Components)
{
    public static CompositeDto Read(YamlMap map)
    {
        var components = (map.Sequence("objectives", required: true) ?? [])
            .Select(item => map.AsMap(item.Node, item.Path))
            .OfType<YamlMap>()
            .Select(m =>
            {
                var component = (m.Scalar("objective", required: true), m.Scalar("weight"), m.At);
                m.RejectUnknownKeys();
                return component;
            })
            .ToArray();
        var dto = new CompositeDto(map.At, map.Path, components);
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary><c>window: 30d</c> (rolling) or <c>window: { calendar: month, timeZone: Europe/Berlin }</c>.</summary>
internal sealed record WindowDto(SourceLocation At, string Path, YamlScalar? Rolling, YamlScalar? Calendar, YamlScalar? TimeZone)
{
    public static WindowDto? Read(YamlMap parent, string key)
    {
        var node = parent.Node(key);
        var path = parent.Child(key);
        switch (node)
        {
            case null:
                return new WindowDto(parent.At, path, null, null, null);
            case YamlScalarNode:
                var rolling = parent.AsScalar(node, path);
                return new WindowDto(YamlMap.Locate(node, parent.File), path, rolling, null, null);
            default:
                if (parent.AsMap(node, path) is not { } map)
                    return null;
                var dto = new WindowDto(map.At, path, null, map.Scalar("calendar", required: true), map.Scalar("timeZone"));
                map.RejectUnknownKeys();
                return dto;
        }
    }
}

internal sealed record IndicatorDto(SourceLocation At, string Path, RatioDto? Ratio, LatencyDto? Latency)
{
    public ThresholdDto? Threshold { get; init; }

    public static IndicatorDto Read(YamlMap map)
    {
        var dto = new IndicatorDto(
            map.At,
            map.Path,
            map.Map("ratio") is { } ratio ? RatioDto.Read(ratio) : null,
            map.Map("latency") is { } latency ? LatencyDto.Read(latency) : null)
        {
            Threshold = map.Map("threshold") is { } threshold ? ThresholdDto.Read(threshold) : null,
        };
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary><c>threshold: { query, op, value, slice }</c>: the query sampled at every slice's end, good when its value
/// satisfies <c>op value</c>.</summary>
internal sealed record ThresholdDto(SourceLocation At, string Path, YamlScalar? Query, YamlScalar? Op, YamlScalar? Value, YamlScalar? Slice)
{
    public static ThresholdDto Read(YamlMap map)
    {
        var dto = new ThresholdDto(
            map.At,
            map.Path,
            map.Scalar("query", required: true),
            map.Scalar("op", required: true),
            map.Scalar("value", required: true),
            map.Scalar("slice", required: true));
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record RatioDto(
    SourceLocation At,
    string Path,
    YamlScalar? Good,
    YamlScalar? Bad,
    YamlScalar? Total,
    YamlScalar? GoodQuery,
    YamlScalar? BadQuery,
    YamlScalar? TotalQuery)
{
    public static RatioDto Read(YamlMap map)
    {
        var dto = new RatioDto(
            map.At,
            map.Path,
            map.Scalar("good"),
            map.Scalar("bad"),
            map.Scalar("total"),
            map.Scalar("goodQuery"),
            map.Scalar("badQuery"),
            map.Scalar("totalQuery"));
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record LatencyDto(SourceLocation At, string Path, YamlScalar? Histogram, YamlScalar? Selector, YamlScalar? Threshold)
{
    public static LatencyDto Read(YamlMap map)
    {
        var dto = new LatencyDto(
            map.At,
            map.Path,
            map.Scalar("histogram", required: true),
            map.Scalar("selector"),
            map.Scalar("threshold", required: true));
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary><c>tiers</c> is either the word <c>default</c> or a list of tier mappings.</summary>
internal sealed record AlertingDto(SourceLocation At, string Path, YamlScalar? MinEvents, YamlScalar? TiersWord, IReadOnlyList<TierDto>? Tiers)
{
    /// <summary><c>noDataAfter: 15m</c> (the default) or <c>off</c>.</summary>
    public YamlScalar? NoDataAfter { get; init; }

    /// <summary><c>exhaustionWithin: 7d</c>; off unless given.</summary>
    public YamlScalar? ExhaustionWithin { get; init; }

    public static AlertingDto Read(YamlMap map)
    {
        var minEvents = map.Scalar("minEvents");
        YamlScalar? word = null;
        IReadOnlyList<TierDto>? tiers = null;
        var node = map.Node("tiers");
        if (node is YamlSequenceNode)
        {
            tiers = (map.Sequence("tiers") ?? [])
                .Select(item => map.AsMap(item.Node, item.Path))
                .OfType<YamlMap>()
                .Select(TierDto.Read)
                .ToArray();
        }
        else if (node is not null)
        {
            word = map.AsScalar(node, map.Child("tiers"));
        }

        var noData = map.Scalar("noDataAfter");
        var exhaustion = map.Scalar("exhaustionWithin");
        map.RejectUnknownKeys();
        return new AlertingDto(map.At, map.Path, minEvents, word, tiers) { NoDataAfter = noData, ExhaustionWithin = exhaustion };
    }
}

internal sealed record TierDto(SourceLocation At, string Path, YamlScalar? Severity, YamlScalar? BudgetConsumed, YamlScalar? LongWindow, YamlScalar? ShortWindow, YamlScalar? Enabled)
{
    public static TierDto Read(YamlMap map)
    {
        var dto = new TierDto(
            map.At,
            map.Path,
            map.Scalar("severity", required: true),
            map.Scalar("budgetConsumed", required: true),
            map.Scalar("longWindow", required: true),
            map.Scalar("shortWindow", required: true),
            map.Scalar("enabled"));
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record GateDto(SourceLocation At, string Path, SignalGateDto? Reliability, SignalGateDto? Performance, YamlScalar? BlockOnPage, YamlScalar? MaxDataAge)
{
    public static GateDto Read(YamlMap map)
    {
        var dto = new GateDto(
            map.At,
            map.Path,
            map.Map("reliability") is { } r ? SignalGateDto.Read(r) : null,
            map.Map("performance") is { } p ? SignalGateDto.Read(p) : null,
            map.Scalar("blockOnPage"),
            map.Scalar("maxDataAge"));
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record SignalGateDto(SourceLocation At, string Path, YamlScalar? MinBudgetRemaining, YamlScalar? Mode)
{
    public static SignalGateDto Read(YamlMap map)
    {
        var dto = new SignalGateDto(map.At, map.Path, map.Scalar("minBudgetRemaining"), map.Scalar("mode"));
        map.RejectUnknownKeys();
        return dto;
    }
}
