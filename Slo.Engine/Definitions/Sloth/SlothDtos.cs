using Slo.Engine.Definitions.Yaml;

namespace Slo.Engine.Definitions.Sloth;

// The shape of Sloth's two file forms as written: `version: prometheus/v1` specs (snake_case keys) and
// `apiVersion: sloth.slok.dev/v1, kind: PrometheusServiceLevel` CRDs (camelCase keys under spec). Sloth decodes both
// leniently and ignores a key of the other form's spelling; those are read here so the validator can say so.

/// <summary>The key spellings of one Sloth form; <see cref="Other"/> is the other form's, which Sloth ignores.</summary>
internal sealed record SlothKeys(
    string ErrorQuery,
    string TotalQuery,
    string ErrorRatioQuery,
    string PageAlert,
    string TicketAlert,
    string GroupPlugins)
{
    public static SlothKeys Spec { get; } = new("error_query", "total_query", "error_ratio_query", "page_alert", "ticket_alert", "slo_plugins");
    public static SlothKeys Crd { get; } = new("errorQuery", "totalQuery", "errorRatioQuery", "pageAlert", "ticketAlert", "sloPlugins");

    public SlothKeys Other => this == Spec ? Crd : Spec;

    public string Form => this == Spec ? "a prometheus/v1 spec" : "a PrometheusServiceLevel";
}

/// <summary>A key written in the other form's spelling, which Sloth ignores in this form.</summary>
internal sealed record ForeignKey(SourceLocation At, string Path, string Written, string Expected);

internal sealed record SlothDocumentDto(
    SourceLocation At,
    SlothKeys Keys,
    YamlScalar? Kind,
    YamlScalar? Service,
    IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? Labels,
    SourceLocation? PluginsAt,
    string PluginsPath,
    IReadOnlyList<SlothSloDto>? Slos,
    SourceLocation SlosAt,
    string SlosPath,
    IReadOnlyList<ForeignKey> Foreign)
{
    /// <summary>A <c>version: prometheus/v1</c> file.</summary>
    public static SlothDocumentDto ReadSpec(YamlMap map)
    {
        map.Scalar("version");
        var foreign = new List<ForeignKey>();
        return ReadBody(map, map, SlothKeys.Spec, null, foreign);
    }

    /// <summary>A <c>sloth.slok.dev/v1</c> <c>PrometheusServiceLevel</c>; Kubernetes' metadata and status are not judged.</summary>
    public static SlothDocumentDto ReadCrd(YamlMap map)
    {
        map.Scalar("apiVersion");
        var kind = map.Scalar("kind", required: true);
        map.Node("metadata");
        map.Node("status");
        var foreign = new List<ForeignKey>();
        var spec = kind?.Text == "PrometheusServiceLevel" ? map.Map("spec", required: true) : null;
        if (kind?.Text != "PrometheusServiceLevel")
            map.Node("spec");
        var dto = spec is null
            ? new SlothDocumentDto(map.At, SlothKeys.Crd, kind, null, null, null, "", null, map.At, "spec.slos", foreign)
            : ReadBody(map, spec, SlothKeys.Crd, kind, foreign);
        map.RejectUnknownKeys();
        return dto;
    }

    private static SlothDocumentDto ReadBody(YamlMap document, YamlMap map, SlothKeys keys, YamlScalar? kind, List<ForeignKey> foreign)
    {
        var plugins = map.Node(keys.GroupPlugins);
        NoteForeign(map, keys.Other.GroupPlugins, keys.GroupPlugins, foreign);
        var slos = map.Sequence("slos");
        var dto = new SlothDocumentDto(
            document.At,
            keys,
            kind,
            map.Scalar("service", required: true),
            map.StringMap("labels"),
            plugins is null ? null : YamlMap.Locate(plugins, map.File),
            map.Child(keys.GroupPlugins),
            slos?.Select(s => map.AsMap(s.Node, s.Path)).OfType<YamlMap>().Select(s => SlothSloDto.Read(s, keys, foreign)).ToArray(),
            map.At,
            map.Child("slos"),
            foreign);
        map.RejectUnknownKeys();
        return dto;
    }

    /// <summary>Claims <paramref name="written"/> and notes it when present.</summary>
    internal static void NoteForeign(YamlMap map, string written, string expected, List<ForeignKey> foreign)
    {
        if (written == expected || !map.Has(written))
            return;
        var node = map.Node(written);
        foreign.Add(new ForeignKey(node is null ? map.At : YamlMap.Locate(node, map.File), map.Child(written), written, expected));
    }
}

internal sealed record SlothSloDto(
    SourceLocation At,
    string Path,
    YamlScalar? Name,
    YamlScalar? Objective,
    YamlScalar? Description,
    IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? Labels,
    SourceLocation? PluginsAt,
    SlothSliDto? Sli,
    SlothAlertingDto? Alerting)
{
    public static SlothSloDto Read(YamlMap map, SlothKeys keys, List<ForeignKey> foreign)
    {
        var plugins = map.Node("plugins");
        var dto = new SlothSloDto(
            map.At,
            map.Path,
            map.Scalar("name", required: true),
            map.Scalar("objective", required: true),
            map.Scalar("description"),
            map.StringMap("labels"),
            plugins is null ? null : YamlMap.Locate(plugins, map.File),
            map.Map("sli", required: true) is { } sli ? SlothSliDto.Read(sli, keys, foreign) : null,
            map.Map("alerting") is { } alerting ? SlothAlertingDto.Read(alerting, keys, foreign) : null);
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record SlothSliDto(
    SourceLocation At,
    string Path,
    SourceLocation? EventsAt,
    YamlScalar? ErrorQuery,
    YamlScalar? TotalQuery,
    SourceLocation? RawAt,
    string RawPath,
    SourceLocation? PluginAt,
    string PluginPath,
    SlothKeys Keys)
{
    public static SlothSliDto Read(YamlMap map, SlothKeys keys, List<ForeignKey> foreign)
    {
        YamlScalar? error = null, total = null;
        var events = map.Map("events");
        if (events is not null)
        {
            error = events.Scalar(keys.ErrorQuery);
            total = events.Scalar(keys.TotalQuery);
            SlothDocumentDto.NoteForeign(events, keys.Other.ErrorQuery, keys.ErrorQuery, foreign);
            SlothDocumentDto.NoteForeign(events, keys.Other.TotalQuery, keys.TotalQuery, foreign);
            events.RejectUnknownKeys();
        }

        var raw = map.Node("raw");
        if (map.Map("raw") is { } rawMap)
        {
            rawMap.Node(keys.ErrorRatioQuery);
            rawMap.Node(keys.Other.ErrorRatioQuery);
            rawMap.RejectUnknownKeys();
        }

        var plugin = map.Node("plugin");
        if (map.Map("plugin") is { } pluginMap)
        {
            pluginMap.Node("id");
            pluginMap.Node("options");
            pluginMap.RejectUnknownKeys();
        }

        map.RejectUnknownKeys();
        return new SlothSliDto(
            map.At,
            map.Path,
            events?.At,
            error,
            total,
            raw is null ? null : YamlMap.Locate(raw, map.File),
            map.Child("raw"),
            plugin is null ? null : YamlMap.Locate(plugin, map.File),
            map.Child("plugin"),
            keys);
    }
}

internal sealed record SlothAlertingDto(
    SourceLocation At,
    string Path,
    YamlScalar? Name,
    IReadOnlyList<string> Carried,
    SlothAlertDto? Page,
    SlothAlertDto? Ticket)
{
    public static SlothAlertingDto Read(YamlMap map, SlothKeys keys, List<ForeignKey> foreign)
    {
        var carried = new List<string>();
        var name = map.Scalar("name");
        if (map.StringMap("labels") is { Count: > 0 })
            carried.Add("labels");
        if (map.StringMap("annotations") is { Count: > 0 })
            carried.Add("annotations");
        var page = map.Map(keys.PageAlert) is { } p ? SlothAlertDto.Read(p, keys.PageAlert, carried) : null;
        var ticket = map.Map(keys.TicketAlert) is { } t ? SlothAlertDto.Read(t, keys.TicketAlert, carried) : null;
        SlothDocumentDto.NoteForeign(map, keys.Other.PageAlert, keys.PageAlert, foreign);
        SlothDocumentDto.NoteForeign(map, keys.Other.TicketAlert, keys.TicketAlert, foreign);
        map.RejectUnknownKeys();
        return new SlothAlertingDto(map.At, map.Path, name, carried, page, ticket);
    }
}

internal sealed record SlothAlertDto(SourceLocation At, string Path, YamlScalar? Disable)
{
    public static SlothAlertDto Read(YamlMap map, string key, List<string> carried)
    {
        var disable = map.Scalar("disable");
        if (map.StringMap("labels") is { Count: > 0 })
            carried.Add($"{key}.labels");
        if (map.StringMap("annotations") is { Count: > 0 })
            carried.Add($"{key}.annotations");
        map.RejectUnknownKeys();
        return new SlothAlertDto(map.At, map.Path, disable);
    }
}
