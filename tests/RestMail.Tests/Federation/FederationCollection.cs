namespace RestMail.Tests.Federation;

/// <summary>The federation test classes share one pair of servers (four silos would crowd two cores) and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class FederationCollection : ICollectionFixture<FederationPair>
{
    public const string Name = "Federation";
}
