"""The report's summary in a Microsoft Teams channel: an Adaptive Card (`card`) posted
to the channel's Workflows webhook (`webhook`), at most once per clear of the run
(`post`). Office 365 connectors are retired; a Workflows webhook takes
`{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": <card>}]}`. Pure: the caller
passes the URL, the HTTP session and the record."""
