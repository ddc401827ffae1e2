namespace Slo.Api.Hosting;

public static class ClockExtensions
{
    /// <summary>The current instant in whole milliseconds: what SQL stores and what the API serves, so they compare equal.</summary>
    public static Instant Now(this IClock clock) => Instant.FromUnixTimeMilliseconds(clock.GetCurrentInstant().ToUnixTimeMilliseconds());
}
