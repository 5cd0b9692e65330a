-- The clients an owner may name in the `owners` setting (by id or name), as the process
-- query reads them (role 2). The API key is read only to leave skip-listed accounts out;
-- it is dropped before anything is stored.
SELECT u.id AS client_id, u.name AS client_name, u.api_key AS api_key
FROM "USER" u
WHERE u.role_id = %(client_role_id)s
