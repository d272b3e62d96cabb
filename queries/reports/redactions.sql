-- title: Redacted fields
-- answers: Which fields held a redaction marker (***, REDACTED, ...) in the release, in how many rows.
-- parameters: none (reads report_searches).
SELECT field, count(*) AS rows
FROM (SELECT unnest(redacted) AS field FROM report_searches WHERE redacted IS NOT NULL)
GROUP BY field
ORDER BY rows DESC, field
