-- One database per service: each service owns its data.
CREATE DATABASE intake;
CREATE DATABASE adjudication;
CREATE DATABASE payout;
-- The console: sign-in attempt counters.
CREATE DATABASE console;
