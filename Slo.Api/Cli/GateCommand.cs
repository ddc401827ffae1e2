using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Slo.Api.Api;

namespace Slo.Api.Cli;

/// <summary>
/// <c>slo gate SERVICE [--url URL] [--json]</c>: asks a running service for the release gate and exits 0 for pass or
/// warn, 1 for fail, 2 for unknown or when the service cannot be asked. One line in a CI pipeline.
/// </summary>
public static class GateCommand
{
    public const int Pass = 0, Fail = 1, Unknown = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null)
    {
        string? service = null;
        var url = ServeCommand.DefaultUrl;
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--url" when i + 1 < args.Length:
                    url = args[++i];
                    break;
                case "--json":
                    json = true;
                    break;
                case var a when a.StartsWith("--url=", StringComparison.Ordinal):
                    url = a["--url=".Length..];
                    break;
                case var a when !a.StartsWith('-') && service is null:
                    service = a;
                    break;
                default:
                    await stderr.WriteLineAsync($"slo gate: unexpected argument '{args[i]}'\nusage: slo gate SERVICE [--url URL] [--json]");
                    return Unknown;
            }
        }

        if (service is null)
        {
            await stderr.WriteLineAsync("usage: slo gate SERVICE [--url URL] [--json]");
            return Unknown;
        }

        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUri))
        {
            await stderr.WriteLineAsync($"slo gate: '{url}' is not a URL");
            return Unknown;
        }

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(30);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(new Uri(baseUri, $"api/v1/services/{Uri.EscapeDataString(service)}/gate"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await stderr.WriteLineAsync($"slo gate: cannot reach the SLO service at {url}: {e.Message}");
            return Unknown;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                await stderr.WriteLineAsync($"slo gate: the service at {url} knows no service '{service}'");
                return Unknown;
            }

            GateDecisionDto? decision = null;
            try
            {
                decision = JsonSerializer.Deserialize<GateDecisionDto>(body, ApiJson.Options);
            }
            catch (JsonException)
            {
            }

            if (decision?.Decision is null)
            {
                await stderr.WriteLineAsync($"slo gate: unexpected answer from {url} (HTTP {(int)response.StatusCode}): {body[..Math.Min(body.Length, 300)]}");
                return Unknown;
            }

            await stdout.WriteAsync(json ? body + Environment.NewLine : Table(decision));
            return decision.Decision switch
            {
                "pass" or "warn" => Pass,
                "fail" => Fail,
                _ => Unknown,
            };
        }
    }

    /// <summary>The decision as a table for people reading CI logs.</summary>
    public static string Table(GateDecisionDto d)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"release gate for {d.Service}: {d.Decision.ToUpperInvariant()}{(d.Overridden ? " (overridden)" : "")} at {d.EvaluatedAt}\n\n");
        string[] header = ["OUTCOME", "SIGNAL", "OBJECTIVE", "RULE", "THRESHOLD", "ACTUAL"];
        var rows = d.Checks.Select(c => new[] { c.Stale ? c.Outcome + " (stale)" : c.Outcome, c.Signal, c.Objective, c.Rule, Number(c.Rule, c.Threshold), c.Actual is { } a ? Number(c.Rule, a) : "-" }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        void Line(string[] cells) => sb.Append("  ").AppendJoin("  ", cells.Select((c, i) => c.PadRight(widths[i]))).Append('\n');
        Line(header);
        foreach (var row in rows)
            Line(row);
        var notable = d.Checks.Where(c => c.Outcome != "pass").ToArray();
        if (notable.Length > 0)
        {
            sb.Append('\n');
            foreach (var c in notable)
                sb.Append(CultureInfo.InvariantCulture, $"  {c.Outcome}: {c.Message}\n");
        }

        if (d.Override is { } o)
            sb.Append(CultureInfo.InvariantCulture, $"\n  override by {o.CreatedBy} until {o.ExpiresAt}: {o.Reason}\n");
        return sb.ToString();
    }

    private static string Number(string rule, double value) => rule switch
    {
        "minBudgetRemaining" => (value * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%",
        "freshData" => value.ToString("0", CultureInfo.InvariantCulture) + "s",
        _ => value.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
