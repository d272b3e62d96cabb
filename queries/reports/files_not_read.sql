-- title: Files not read
-- answers: Which files of the release were not read, and why: skipped (not an audit log: a cover
--   letter, a Word file, a workbook of another kind) or rejected (could not be read: damaged, password
--   protected, refused as a zip bomb). A file that looks like an audit but was not read is a warning.
-- parameters: none. Not restricted by --since (it describes the whole store).
SELECT
    path,
    status,
    reason,
    format,
    status = 'rejected' OR lower(coalesce(reason, '')) LIKE '%looks like%' AS warning,
    batch_id
FROM sources
WHERE status IN ('skipped', 'rejected')
ORDER BY warning DESC, batch_id, path
