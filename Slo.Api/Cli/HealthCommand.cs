namespace Slo.Api.Cli;

/// <summary><c>slo health [--url URL]</c>: exit 0 when the service answers /health/live, 1 otherwise (for container health checks).</summary>
public static class HealthCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stderr)
    {
        var url = args is ["--url", var u, ..] ? u : ServeCommand.DefaultUrl;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(new Uri(url.TrimEnd('/') + "/"), "health/live"));
            if (response.IsSuccessStatusCode)
                return 0;
            await stderr.WriteLineAsync($"slo health: {url} answered HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await stderr.WriteLineAsync($"slo health: {url}: {e.Message}");
        }

        return 1;
    }
}
