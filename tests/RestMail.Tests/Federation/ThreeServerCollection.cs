namespace RestMail.Tests.Federation;

/// <summary>
/// The three-server end-to-end tests: three silos and a Postfix are more than two cores carry beside
/// the other test classes, so this collection runs alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreeServerCollection : ICollectionFixture<ThreeServerFederation>
{
    public const string Name = "Federation, three servers";
}
