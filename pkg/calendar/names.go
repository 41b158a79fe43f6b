package calendar

import "strings"

// EnglishHolidayName translates a holiday name as written in the State
// Council notices (and in the holiday data) into English. Combined names such
// as "国庆节、中秋节" are translated part by part ("National Day and
// Mid-Autumn Festival"). It returns "" when any part is unknown.
func EnglishHolidayName(name string) string {
	parts := strings.Split(name, "、")
	english := make([]string, 0, len(parts))
	for _, part := range parts {
		en := englishHolidayPart(strings.TrimSpace(part))
		if en == "" {
			return ""
		}
		english = append(english, en)
	}
	return strings.Join(english, " and ")
}

// HolidayDisplayName returns "English (中文)" for a known holiday name, the
// Chinese name alone for an unknown one, and "unnamed holiday" for "".
func HolidayDisplayName(name string) string {
	if name == "" {
		return "unnamed holiday"
	}
	if en := EnglishHolidayName(name); en != "" {
		return en + " (" + name + ")"
	}
	return name
}

func englishHolidayPart(zh string) string {
	switch zh {
	case "元旦":
		return "New Year's Day"
	case "春节":
		return "Spring Festival"
	case "清明节":
		return "Qingming Festival"
	case "劳动节", "“五一”", "“五一”国际劳动节", "五一", "五一国际劳动节":
		return "Labour Day"
	case "端午节":
		return "Dragon Boat Festival"
	case "中秋节":
		return "Mid-Autumn Festival"
	case "国庆节", "“十一”", "十一":
		return "National Day"
	case "抗日战争暨世界反法西斯战争胜利70周年纪念日":
		return "70th anniversary of the victory of the War of Resistance against Japanese Aggression"
	}
	return ""
}
