using System.Text;

namespace Slo.Api.Cli;

/// <summary>Left-aligned columns, two spaces apart, for people reading terminals and CI logs.</summary>
internal static class TextTable
{
    public static void Append(StringBuilder sb, string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        void Line(string[] cells) => sb.Append("  ").AppendJoin("  ", cells.Select((c, i) => c.PadRight(widths[i]))).Append('\n');
        Line(header);
        foreach (var row in rows)
            Line(row);
    }
}
