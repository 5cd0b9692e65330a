-- Every API key on record, so log extracts can be scrubbed of them before they are
-- stored or mailed (OneDrive folder names are API keys, and they show up in logs).
SELECT DISTINCT api_key FROM "USER" WHERE api_key IS NOT NULL AND api_key <> ''
