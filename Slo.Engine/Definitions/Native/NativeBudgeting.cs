using Slo.Engine.Definitions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Slo.Engine.Definitions.Native;

/// <summary>
/// An objective's <c>budgeting</c>: absent or <c>occurrences</c> (every event counts), or time slices:
/// <c>{ timeslices: { slice: 1m, sliceTarget: 99 } }</c> (a slice is good when 99% of its events are) or
/// <c>{ ratioTimeslices: { slice: 1m } }</c> (the mean of the slices' good ratios). What OpenSLO's budgeting methods
/// read into, so that <c>slo convert</c> can write them.
/// </summary>
internal sealed record BudgetingDto(SourceLocation At, string Path, YamlScalar? Word, SlicesDto? Timeslices, SlicesDto? RatioTimeslices)
{
    public const string Key = "budgeting";

    public static BudgetingDto? Read(YamlMap parent)
    {
        var node = parent.Node(Key);
        var path = parent.Child(Key);
        if (node is null)
            return null;
        if (node is YamlScalarNode)
            return new BudgetingDto(YamlMap.Locate(node, parent.File), path, parent.AsScalar(node, path), null, null);
        if (parent.AsMap(node, path) is not { } map)
            return null;
        var dto = new BudgetingDto(
            map.At,
            path,
            null,
            map.Map("timeslices") is { } t ? SlicesDto.Read(t, sliceTarget: true) : null,
            map.Map("ratioTimeslices") is { } r ? SlicesDto.Read(r, sliceTarget: false) : null);
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record SlicesDto(SourceLocation At, string Path, YamlScalar? Slice, YamlScalar? SliceTarget)
{
    public static SlicesDto Read(YamlMap map, bool sliceTarget)
    {
        var dto = new SlicesDto(map.At, map.Path, map.Scalar("slice", required: true), sliceTarget ? map.Scalar("sliceTarget", required: true) : null);
        map.RejectUnknownKeys();
        return dto;
    }
}

internal static class NativeBudgeting
{
    /// <summary>The budgeting method, or null after reporting what is wrong; <see cref="BudgetingMethod.Occurrences"/> when absent.</summary>
    public static BudgetingMethod? Validate(BudgetingDto? dto, FieldRules rules)
    {
        if (dto is null)
            return BudgetingMethod.Occurrences;
        if (dto.Word is { } word)
        {
            if (word.Text == "occurrences")
                return BudgetingMethod.Occurrences;
            rules.Error(word, $"unknown budgeting '{word.Text}': write occurrences, {{ timeslices: {{ slice, sliceTarget }} }} or {{ ratioTimeslices: {{ slice }} }}");
            return null;
        }

        if ((dto.Timeslices is null) == (dto.RatioTimeslices is null))
        {
            rules.Bag.Error(dto.At, dto.Path, "must hold exactly one of timeslices or ratioTimeslices");
            return null;
        }

        var slices = dto.Timeslices ?? dto.RatioTimeslices!;
        var length = rules.Duration(slices.Slice);
        if (length is { } l && (l < Duration.FromMinutes(1) || l.BclCompatibleTicks % Duration.FromMinutes(1).BclCompatibleTicks != 0))
        {
            rules.Error(slices.Slice!, "a slice is a whole number of minutes, e.g. 1m or 5m");
            length = null;
        }

        if (dto.RatioTimeslices is not null)
            return length is null ? null : new RatioTimeslicesBudgeting(length.Value);

        var percent = rules.Number(slices.SliceTarget);
        if (percent is { } p && !(p > 0 && p <= 100))
        {
            rules.Error(slices.SliceTarget!, $"{FieldRules.Format(p)} is out of range: a slice target is a percentage in (0, 100], e.g. 99");
            percent = null;
        }

        // Decimal keeps 99.9 -> 0.999 exact, as targets do.
        return length is null || percent is null ? null : new TimeslicesBudgeting((double)((decimal)percent.Value / 100m), length.Value);
    }
}
