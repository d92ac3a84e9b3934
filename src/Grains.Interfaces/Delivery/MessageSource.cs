namespace RestMail.Grains.Delivery;

/// <summary>Where a message entered REST Mail; filters and the Sent copy depend on it.</summary>
public enum MessageSource
{
    /// <summary>Inbound from another MTA (port 25).</summary>
    Smtp = 0,
    /// <summary>An authenticated user's client on the submission ports.</summary>
    Submission,
    /// <summary>An authenticated user through POST /v1/messages/send.</summary>
    Api,
    /// <summary>Another REST Mail server through POST /v1/deliver.</summary>
    Federation,
}
