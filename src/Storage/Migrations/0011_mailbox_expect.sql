-- A mailbox grain that committed the last transaction of its account knows the account's state
-- (highest MODSEQ, usage, quota, folders) and can skip the round trip that locks and reads it: it sends
-- its writes at once, led by this procedure, which locks the account row and fails with SQLSTATE
-- RM001 unless the row is still exactly as the grain left it (another writer, an administrator's
-- quota change or a domain quota all send the grain back to the full path; see MailboxTransaction).
CREATE PROCEDURE mailbox_expect(p_account bigint, p_modseq bigint, p_used bigint, p_quota bigint)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM accounts a JOIN domains d ON d.id = a.domain_id
    WHERE a.id = p_account AND a.highest_modseq = p_modseq AND a.used_bytes = p_used
      AND a.quota_bytes IS NOT DISTINCT FROM p_quota AND d.quota_bytes IS NULL
    FOR UPDATE OF a;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mailbox % changed since its grain last wrote it', p_account USING ERRCODE = 'RM001';
    END IF;
END
$$;
