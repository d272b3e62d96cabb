-- flag: moderated
-- title: Moderated searches
-- section: accountability
-- order: 40
-- answers: which searches Flock's moderation blocked or warned about (Moderation column `block` or
--   `warn`), usually a free-text (freeform) search whose words Flock's filter objected to.
-- evidence: moderation: block
-- limits: only exports with a Moderation column (full 14-column and post-cutover 13-column forms).
-- sentence: Flock's moderation blocked or warned
-- followup: no
SELECT search_key, 'moderated' AS flag, 'moderation: ' || lower(trim(moderation)) AS evidence
FROM searches
WHERE lower(trim(moderation)) IN ('block', 'warn')
