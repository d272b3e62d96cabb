-- flag: school_camera
-- title: Searches of school-owned cameras
-- section: school
-- order: 10
-- answers: which searches covered cameras owned by a school district or campus: every row of a
--   Network Audit whose producer is a school or campus (that is how published reporting counted
--   police and immigration searches of school cameras).
-- evidence: producer "Beverly Hills Unified School District CA" is a school or campus (kind school):
--   its cameras were searched
-- limits: rows never name a camera; a search over many networks may or may not have returned a
--   school camera's reads. Only Network Audits: an Organization Audit of a school is its own searches
--   (see school_searcher).
-- sentence: the cameras searched belong to a school or campus
-- followup: no
SELECT
    s.search_key,
    'school_camera' AS flag,
    'producer "' || s.producer || '" is a school or campus (kind ' || coalesce(a.kind, '?')
        || '): its cameras were searched' AS evidence
FROM searches AS s
JOIN agencies AS a ON a.name = s.producer
WHERE s.log_kind = 'network_audit' AND a.school
