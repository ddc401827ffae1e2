using System.CommandLine;

namespace Slo.Api.Cli;

/// <summary><c>slo health [--url URL]</c>: exit 0 when the service answers /health/live, 1 otherwise (for container health checks).</summary>
public sealed class HealthCommand : Command
{
    private readonly Option<Uri> _url = SloCommandLine.UrlOption("The SLO service to ask.");

    public HealthCommand()
        : base("health", "Exits 0 when a running service answers /health/live, 1 otherwise (for container health checks).")
    {
        Options.Add(_url);
        SetAction((result, cancellationToken) => RunAsync(result.GetRequiredValue(_url), result.InvocationConfiguration.Error, cancellationToken));
    }

    public static async Task<int> RunAsync(Uri url, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(SloCommandLine.AsBase(url), "health/live"), cancellationToken);
            if (response.IsSuccessStatusCode)
                return 0;
            await stderr.WriteLineAsync($"slo health: {url} answered HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await stderr.WriteLineAsync($"slo health: {url}: {e.Message}");
        }

        return 1;
    }
}
