using Slo.Engine.Budgets;

namespace Slo.Tests.Engine;

[TestFixture]
public class TargetTests
{
    [TestCase(99.9, 0.999, 0.001)]
    [TestCase(99, 0.99, 0.01)]
    [TestCase(50, 0.5, 0.5)]
    public void FromPercent_ValidPercent_GivesExactFractions(double percent, double fraction, double allowed)
    {
        var target = Target.FromPercent(percent);
        Assert.Multiple(() =>
        {
            Assert.That(target.Fraction, Is.EqualTo(fraction));
            Assert.That(target.AllowedBadFraction, Is.EqualTo(allowed));
            Assert.That(target.Percent, Is.EqualTo(percent));
        });
    }

    [TestCase(0)]
    [TestCase(100)]
    [TestCase(-1)]
    [TestCase(double.NaN)]
    public void FromPercent_OutsideOpenRange_Throws(double percent) =>
        Assert.That(() => Target.FromPercent(percent), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("percent"));

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(1.5)]
    public void FromFraction_OutsideOpenRange_Throws(double fraction) =>
        Assert.That(() => Target.FromFraction(fraction), Throws.TypeOf<ArgumentOutOfRangeException>());
}
