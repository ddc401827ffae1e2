using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Slo.Api.Api;

namespace Slo.Api.Cli;

/// <summary>
/// <c>slo report SERVICE [--url URL] [--period month] [--at DATE] [--json|--csv]</c>: a running service's figures for
/// SERVICE over a past period, as a table (or the API's JSON or CSV). Exit 0 with the report, 2 when it cannot be had.
/// </summary>
public sealed class ReportCommand : Command
{
    public const int Done = 0, Failed = 2;

    private readonly Argument<string> _service = new("SERVICE") { Description = "The service to report on, as named in its definitions." };
    private readonly Option<Uri> _url = SloCommandLine.UrlOption("The SLO service to ask.");
    private readonly Option<string> _period = new("--period")
    {
        Description = "week, month, quarter or year; each objective's period is taken in its own time zone.",
        DefaultValueFactory = _ => "month",
    };

    private readonly Option<string?> _at = new("--at") { Description = "An ISO date inside the period (default: the last complete period).", HelpName = "DATE" };
    private readonly Option<string?> _timeZone = new("--time-zone") { Description = "Take every objective's period in this IANA zone instead.", HelpName = "ZONE" };
    private readonly Option<bool> _json = new("--json") { Description = "Print the API's JSON answer instead of the table." };
    private readonly Option<bool> _csv = new("--csv") { Description = "Print CSV, one row per objective." };

    public ReportCommand()
        : base("report", "Prints SERVICE's figures over a past week, month, quarter or year, from a running service.")
    {
        _period.AcceptOnlyFromAmong("week", "month", "quarter", "year");
        Arguments.Add(_service);
        Options.Add(_url);
        Options.Add(_period);
        Options.Add(_at);
        Options.Add(_timeZone);
        Options.Add(_json);
        Options.Add(_csv);
        Validators.Add(result =>
        {
            if (result.GetValue(_json) && result.GetValue(_csv))
                result.AddError("--json and --csv cannot be given together.");
        });
        SetAction((result, cancellationToken) => RunAsync(
            result.GetRequiredValue(_service), result.GetRequiredValue(_url), result.GetRequiredValue(_period), result.GetValue(_at), result.GetValue(_timeZone),
            result.GetValue(_json) ? "json" : result.GetValue(_csv) ? "csv" : null,
            result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, cancellationToken));
    }

    public static async Task<int> RunAsync(
        string service, Uri url, string period, string? at, string? timeZone, string? format, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var query = $"period={Uri.EscapeDataString(period)}" + (at is null ? "" : $"&at={Uri.EscapeDataString(at)}")
                    + (timeZone is null ? "" : $"&timeZone={Uri.EscapeDataString(timeZone)}") + (format == "csv" ? "&format=csv" : "");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var response = await SloCommandLine.AskAsync(http, url, $"api/v1/services/{Uri.EscapeDataString(service)}/report?{query}", "report", stderr, cancellationToken);
        if (response is null)
            return Failed;
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var detail = response.StatusCode == HttpStatusCode.NotFound ? $"the service at {url} knows no service '{service}'" : Detail(body);
                await stderr.WriteLineAsync($"slo report: {detail}");
                return Failed;
            }

            if (format is not null)
            {
                await stdout.WriteAsync(body.EndsWith('\n') ? body : body + Environment.NewLine);
                return Done;
            }

            var report = JsonSerializer.Deserialize<ReportDto>(body, ApiJson.Options);
            if (report is null)
            {
                await stderr.WriteLineAsync($"slo report: unexpected answer from {url}");
                return Failed;
            }

            await stdout.WriteAsync(Table(report));
            return Done;
        }
    }

    private static string Detail(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { } text)
                return text;
        }
        catch (JsonException)
        {
        }

        return body[..Math.Min(body.Length, 300)];
    }

    /// <summary>The report as a table: each objective's period, SLI against target, whether it was met, budget left.</summary>
    public static string Table(ReportDto report)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{report.Period} report for {report.Service}\n\n");
        string[] header = ["OBJECTIVE", "SIGNAL", "FROM", "TO", "ZONE", "TARGET", "SLI", "MET", "BUDGET LEFT", "EVENTS", "EXCLUDED"];
        var rows = report.Objectives.Select(o => new[]
        {
            o.Id, o.Signal, o.Start.ToString(), o.End.ToString(), o.TimeZone, Percent(o.Target, "0.###"), o.Sli is { } s ? Percent(s, "0.####") : "-",
            o.Met switch { true => "yes", false => "NO", null => "-" } + (o.Complete ? "" : " (so far)"),
            o.BudgetRemaining is { } b ? Percent(b, "0.#") : "-",
            o.Events.Total.ToString("0", CultureInfo.InvariantCulture), o.ExcludedEvents.Total.ToString("0", CultureInfo.InvariantCulture),
        }).ToList();
        TextTable.Append(sb, header, rows);
        return sb.ToString();
    }

    private static string Percent(double fraction, string format) => (fraction * 100).ToString(format, CultureInfo.InvariantCulture) + "%";
}
