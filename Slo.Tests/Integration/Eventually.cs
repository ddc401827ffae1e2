using System.Diagnostics;

namespace Slo.Tests.Integration;

/// <summary>Waits for something a running process does on its own time (a reload, a delivery, a scrape).</summary>
internal static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="probe"/> every 200 ms until it holds; fails the test naming <paramref name="what"/> after a minute.</summary>
    public static Task HoldsAsync(Func<Task<bool>> probe, string what) => HoldsAsync(probe, () => what);

    /// <summary>The same, with a description made when it fails (what was last seen, say).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> probe, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!await probe())
        {
            if (clock.Elapsed > Patience)
                Assert.Fail($"after {Patience.TotalSeconds} s still not: {what()}");
            await Task.Delay(200);
        }
    }
}
