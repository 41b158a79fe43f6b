package document

import (
	"math"
	"strings"
	"unicode"
)

// cue is a phrase whose presence in a document's text counts towards a
// type. Titles weigh most; phrases other types share weigh 1.
type cue struct {
	phrase string
	weight int
}

// typeCues lists the Chinese and English cues of each type except Other.
// English phrases are matched case-insensitively. Read-only.
var typeCues = map[Type][]cue{
	IDCard: {
		{"居民身份证", 4}, {"公民身份号码", 4}, {"签发机关", 3}, {"有效期限", 2}, {"民族", 1}, {"住址", 1},
		{"resident identity card", 4}, {"identity card", 3},
	},
	DeathCertificate: {
		{"死亡医学证明", 5}, {"死亡证明", 5}, {"死亡原因", 3}, {"死亡日期", 2}, {"死亡时间", 2}, {"死亡地点", 1},
		{"死者", 2}, {"殡葬", 1}, {"火化", 1}, {"注销户口", 1},
		{"death certificate", 5}, {"certificate of death", 5}, {"cause of death", 3}, {"date of death", 2},
	},
	MedicalInvoice: {
		{"医疗收费票据", 5}, {"门诊收费票据", 5}, {"住院收费票据", 5}, {"医疗门诊收费", 3}, {"收费票据", 3},
		{"医疗费", 1}, {"发票", 2}, {"票据号码", 2}, {"票据代码", 2}, {"合计", 1}, {"大写", 1}, {"小写", 1},
		{"医保统筹", 1}, {"个人自付", 1}, {"个人自费", 1}, {"收款单位", 1}, {"财政部监制", 2}, {"交款人", 1},
		{"费用清单", 5}, {"费用明细", 4}, {"电子票据", 2}, {"校验码", 1},
		{"medical invoice", 5}, {"medical receipt", 5}, {"invoice", 2}, {"receipt", 2}, {"amount due", 1},
	},
	DischargeSummary: {
		{"出院小结", 6}, {"出院记录", 6}, {"入院诊断", 2}, {"出院诊断", 2}, {"入院日期", 2}, {"入院时间", 2},
		{"出院日期", 1}, {"住院天数", 1}, {"诊疗经过", 2}, {"出院医嘱", 2}, {"入院情况", 1}, {"出院情况", 1},
		{"discharge summary", 6}, {"admission date", 2}, {"discharge diagnosis", 2},
	},
	DiagnosisCertificate: {
		{"诊断证明书", 5}, {"诊断证明", 4}, {"疾病证明", 3}, {"诊断书", 3}, {"建议休息", 2}, {"建议全休", 2},
		{"诊断意见", 1}, {"医师签名", 1}, {"就诊日期", 1}, {"诊断", 1},
		{"diagnosis certificate", 6}, {"medical certificate", 4}, {"diagnosis", 1},
	},
	AccidentReport: {
		{"道路交通事故认定书", 6}, {"事故认定书", 5}, {"交通事故", 3}, {"事故认定", 2}, {"交通警察", 2},
		{"交警", 1}, {"事故时间", 2}, {"事故地点", 1}, {"当事人", 1}, {"事故责任", 2}, {"意外事故证明", 4},
		{"accident report", 6}, {"traffic accident", 4}, {"police", 1},
	},
	DisabilityAppraisal: {
		{"伤残鉴定", 5}, {"司法鉴定意见书", 5}, {"伤残等级", 3}, {"致残程度", 3}, {"劳动能力鉴定", 4},
		{"鉴定意见", 2}, {"司法鉴定", 2}, {"被鉴定人", 2}, {"伤残", 1}, {"鉴定日期", 1},
		{"disability appraisal", 6}, {"disability assessment", 6}, {"disability grade", 3},
	},
	BankCard: {
		{"银行卡", 4}, {"借记卡", 4}, {"储蓄卡", 3}, {"信用卡", 2}, {"银联", 2}, {"卡号", 2}, {"开户行", 2},
		{"开户银行", 2}, {"开户证明", 4}, {"持卡人", 2}, {"银行账号", 2}, {"账号", 1},
		{"bank card", 5}, {"debit card", 5}, {"unionpay", 2}, {"card number", 2}, {"card no", 2},
	},
	RelationshipProof: {
		{"关系证明", 5}, {"亲属关系", 4}, {"户口簿", 4}, {"户口本", 4}, {"常住人口登记卡", 4}, {"出生医学证明", 5},
		{"结婚证", 4}, {"与户主关系", 3}, {"户主", 1}, {"父亲", 1}, {"母亲", 1}, {"配偶", 1},
		{"公证书", 2}, {"亲属关系公证", 2},
		{"proof of relationship", 6}, {"household register", 4}, {"birth certificate", 5}, {"marriage certificate", 5},
	},
}

// minClassScore is the lowest score that names a type; below it the text
// is Other.
const minClassScore = 3

// Classify returns the type of a document from its text, and a confidence
// in [0, 1]. Each type scores the weights of its cues found in the text
// (each cue once); the best type wins when it scores at least 3.
//
// The confidence grows with the winner's score (1 - e^(-score/4): 0.71 for
// a title alone, 0.95 for a title and a few fields) and shrinks with the
// runner-up's share of the evidence: it is multiplied by
// 0.5 + 0.5*(best-second)/best. Text with no cue is Other, with a
// confidence that grows with the amount of text read (an empty page is
// Other with confidence 0: nothing is known about it).
func Classify(text string) (Type, float64) {
	return classifyNormalized(Normalize(text))
}

func classifyNormalized(norm string) (Type, float64) {
	// English cues are matched in the lower-cased text with its single
	// spaces; Chinese cues without any space, so that a title broken over
	// two OCR lines still counts.
	lower := strings.ToLower(norm)
	joined := squeeze(lower)
	best, bestScore, secondScore := Other, 0, 0
	for _, t := range Types() {
		score := 0
		for _, c := range typeCues[t] {
			in := joined
			if isASCII(c.phrase) {
				in = lower
			}
			if strings.Contains(in, c.phrase) {
				score += c.weight
			}
		}
		switch {
		case score > bestScore:
			secondScore = bestScore
			best, bestScore = t, score
		case score > secondScore:
			secondScore = score
		}
	}
	if bestScore < minClassScore {
		letters := 0
		for _, r := range norm {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				letters++
			}
		}
		// With no cue, the more text was read, the surer it is none of ours.
		readShare := math.Min(1, float64(letters)/40)
		return Other, round2(readShare * (1 - strength(bestScore)))
	}
	margin := float64(bestScore-secondScore) / float64(bestScore)
	return best, round2(strength(bestScore) * (0.5 + 0.5*margin))
}

// strength maps a cue score to (0, 1): the more evidence, the nearer 1.
func strength(score int) float64 {
	return 1 - math.Exp(-float64(score)/4)
}

// round2 rounds x to two decimals, so confidences print briefly.
func round2(x float64) float64 {
	return math.Round(x*100) / 100
}

// isASCII reports whether s holds only ASCII characters.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
