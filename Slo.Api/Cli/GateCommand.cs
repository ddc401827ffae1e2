using System.CommandLine;
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
public sealed class GateCommand : Command
{
    public const int Pass = 0, Fail = 1, Unknown = 2;

    private readonly Argument<string> _service = new("SERVICE") { Description = "The service whose release is gated, as named in its definitions." };
    private readonly Option<Uri> _url = SloCommandLine.UrlOption("The SLO service to ask.");
    private readonly Option<bool> _json = new("--json") { Description = "Print the API's JSON answer instead of the table." };

    public GateCommand()
        : base("gate", "Asks a running service for SERVICE's release gate: exit 0 pass or warn, 1 fail, 2 unknown or unreachable.")
    {
        Arguments.Add(_service);
        Options.Add(_url);
        Options.Add(_json);
        SetAction((result, cancellationToken) => RunAsync(
            result.GetRequiredValue(_service), result.GetRequiredValue(_url), result.GetValue(_json),
            result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, cancellationToken: cancellationToken));
    }

    public static async Task<int> RunAsync(
        string service, Uri url, bool json, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null,
        CancellationToken cancellationToken = default)
    {
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(30);
        var response = await SloCommandLine.AskAsync(http, url, $"api/v1/services/{Uri.EscapeDataString(service)}/gate", "gate", stderr, cancellationToken);
        if (response is null)
            return Unknown;
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
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
        TextTable.Append(sb, header, rows);
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
