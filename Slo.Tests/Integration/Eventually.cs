using System.Diagnostics;

namespace Slo.Tests.Integration;

/// <summary>Waits for something a running process does on its own time (a reload, a delivery, a scrape).</summary>
internal static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="probe"/> every 200 ms until it holds; fails the test naming <paramref name="what"/> after a minute.</summary>
    public static Task HoldsAsync(Func<Task<bool>> probe, string what) => HoldsAsync(probe, () => what);

    /// <summary>The same, with a description made when it fails (what was last seen, say).</summary>
    public static Task HoldsAsync(Func<Task<bool>> probe, Func<string> what) => HoldsAsync(probe, what, Patience);

    /// <summary>The same, waiting <paramref name="patience"/> instead of a minute.</summary>
    public static Task HoldsAsync(Func<Task<bool>> probe, string what, TimeSpan patience) => HoldsAsync(probe, () => what, patience);

    private static async Task HoldsAsync(Func<Task<bool>> probe, Func<string> what, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        while (!await probe())
        {
            if (clock.Elapsed > patience)
                Assert.Fail($"after {patience.TotalSeconds} s still not: {what()}");
            await Task.Delay(200);
        }
    }
}
