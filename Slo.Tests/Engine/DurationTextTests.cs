using Slo.Engine.Time;

namespace Slo.Tests.Engine;

[TestFixture]
public class DurationTextTests
{
    private static readonly object[] Valid =
    [
        new object[] { "30d", Duration.FromDays(30) },
        new object[] { "5m", Duration.FromMinutes(5) },
        new object[] { "1h30m", Duration.FromMinutes(90) },
        new object[] { "300ms", Duration.FromMilliseconds(300) },
        new object[] { "2w", Duration.FromDays(14) },
        new object[] { " 1s ", Duration.FromSeconds(1) },
    ];

    [TestCaseSource(nameof(Valid))]
    public void TryParse_PrometheusDuration_ReadsIt(string text, Duration expected)
    {
        Assert.That(DurationText.TryParse(text, out var d, out var error), Is.True, error);
        Assert.That(d, Is.EqualTo(expected));
    }

    [TestCase("0.3", "bare number")]
    [TestCase("1M", "months")]
    [TestCase("1y", "years")]
    [TestCase("10x", "unknown unit 'x'")]
    [TestCase("m5", "whole number")]
    [TestCase("5m1h", "larger unit after a smaller")]
    [TestCase("0s", "longer than zero")]
    [TestCase("", "required")]
    public void TryParse_Invalid_ExplainsWhy(string text, string because)
    {
        Assert.That(DurationText.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(because));
    }

    [TestCase("30d")]
    [TestCase("1h30m")]
    [TestCase("300ms")]
    [TestCase("5m")]
    public void Format_ParsedText_RoundTrips(string text) =>
        Assert.That(DurationText.Format(DurationText.Parse(text)), Is.EqualTo(text));

    [Test]
    public void Format_Week_IsWrittenInDays() =>
        Assert.That(DurationText.Format(Duration.FromDays(7)), Is.EqualTo("7d"));
}
