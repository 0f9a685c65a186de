-- An assertion a statement can make about its own effects: raises (and so fails the transaction) when `ok`
-- is false. PlaceOrder's batched write sends COMMIT right behind it without waiting for its result, so a
-- check made in JavaScript afterwards would come too late to stop the commit.
CREATE FUNCTION shopfloor_assert(ok boolean, message text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION '%', message USING ERRCODE = 'P0001';
  END IF;
  RETURN true;
END
$$;
