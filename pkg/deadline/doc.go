// Package deadline holds the statutory deadline rules of the claims platform
// (R3-R9 in docs/product.md) and computes due dates on the PRC working-day
// calendar (package calendar).
//
// # Rules
//
//	id                        R   period            clock starts                       basis
//	missing-documents-notice  R3  5 working days    claim materials received           Insurance Law art. 22 (company target)
//	decision                  R4  5 working days    claim request first received       Reg. art. 23; notice §8.3(1); Insurance Law art. 23
//	complex-decision          R4  30 days           claim request first received       same
//	rejection-notice          R5  3 days            not-covered decision made          Reg. art. 24; notice §8.3(2)
//	payment                   R6  10 days           agreement on the amount reached    Reg. art. 26; notice §8.3(3)
//	advance-payment           R7  60 days           claim request and materials        Insurance Law art. 25
//	result-notification       R9  1 day (next day)  payment completed                  notice §6.2
//
// "Reg." is the CIRC Basic Service Rules for Personal Insurance
// (《人身保险业务基本服务规定》); "notice" is the insurer's internal notice
// implementing them. decision, complex-decision and payment accept a
// contract period (Override) because their provisions say "unless the
// contract provides otherwise"; the others refuse one with
// ErrOverrideNotAllowed.
//
// # Counting conventions
//
// Day D is the Asia/Shanghai calendar date of the clock-start instant,
// whatever zone the timestamp carries (2026-09-30T16:20:00Z is D =
// 2026-10-01). D itself is never counted (Civil Code art. 201).
//
//   - N working days: the period ends on the N-th working day after D.
//   - N days: the period ends on D+N; when that day is not a working day it
//     ends on the next working day (Civil Code art. 203). A weekend day that
//     is a make-up working day (调休上班) is a working day, so a period can end
//     on a Saturday.
//   - R9 "next day" (次日) is a one-day period and follows the same rule:
//     a payment completed on a Friday is due to be notified on Monday, one
//     completed on 2026-09-30 on 2026-10-08. This is Rule.ExtendToWorkingDay,
//     data on the rule, true for every rule.
//   - The period ends at the end of the due date: DueAt is
//     23:59:59.999999999+08:00, the last representable instant before 24:00
//     (Civil Code art. 203), so an obligation is late exactly when it is
//     still open at 00:00 of the next day. RFC 3339 output shows 23:59:59+08:00.
//   - R4 pauses (Judicial Interpretation II of the Insurance Law, art. 15):
//     with P the date the missing-documents notice reaches the claimant
//     (its recorded delivery, never its sending: a letter's days in the
//     post are not the claimant's) and R the date the supplement arrives,
//     the days after P up to and including R are deducted. The delivery day
//     P counts as consumed if it is a working day (the deducted span, like
//     every period, starts the next day under art. 201); the arrival day R does
//     not count, and counting restarts the day after R, as if R were a new
//     day D. Several pauses are deducted one after the other; a notice sent
//     on or after the last counted day no longer moves the deadline.
//
// A result is Provisional when it depends on the working-day status of a day
// whose holiday notice is not published in the calendar used (2027 in the
// embedded calendar, and late December 2026, which the 2027 New Year
// arrangement may still rearrange). Deadlines carry the calendar version they
// were computed with; recompute them when a new calendar is loaded
// (Calculator.Stale).
//
// Everything here is a pure function of its inputs and the calendar: no I/O,
// no clock, no package-level mutable state.
package deadline
