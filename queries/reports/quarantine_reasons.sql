-- title: Why rows were quarantined
-- answers: For every file with rows that could not be read, how many and why.
-- parameters: none (reads the quarantine view; not restricted by --since).
SELECT source_file, reason, count(*) AS rows, min(source_row) AS first_row
FROM quarantine
GROUP BY ALL
ORDER BY rows DESC, source_file, reason
