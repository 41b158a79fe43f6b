package document

import "testing"

// TestASecondReadingConfirmsOnlyTheSameName: the second model's line
// confirms a name only when the same finder reads the same name in it after
// a name label of the field's role; the attacks: a character more, less or
// other, a name with no label before it, nothing read first, and the
// insured's name printed on the line under another role (被保险人 before
// 患者, an ID card's name on a receipt's line) or for another field.
func TestASecondReadingConfirmsOnlyTheSameName(t *testing.T) {
	for _, tc := range []struct {
		line        string
		t           Type
		field, name string
		want        bool
	}{
		{"交款人:孙伟磊洋。校验码:c00123", MedicalInvoice, "patient_name", "孙伟磊洋", true},
		{"姓名:孙伟娜丽”性别:男", DischargeSummary, "patient_name", "孙伟娜丽", true},
		{"持卡人姓名:孙娜磊琳", BankCard, "holder_name", "孙娜磊琳", true},
		{"姓名 孙娜磊琳 性别 女", IDCard, "holder_name", "孙娜磊琳", true},
		{"交款人:孙伟磊洋洋。校验码:c00123", MedicalInvoice, "patient_name", "孙伟磊洋", false},
		{"交款人:孙伟磊。校验码:c00123", MedicalInvoice, "patient_name", "孙伟磊洋", false},
		{"交款人:孙伟椅洋。校验码:c00123", MedicalInvoice, "patient_name", "孙伟磊洋", false},
		{"孙伟磊洋", MedicalInvoice, "patient_name", "孙伟磊洋", false},
		{"交款人:孙伟磊洋", MedicalInvoice, "patient_name", "", false},
		// The insured's name under the insured's label is no reading of
		// the patient's: the first model may have misread 李四 as 张三.
		{"被保险人:张三 患者:李四", DischargeSummary, "patient_name", "张三", false},
		{"被保险人:张三 患者:李四", Other, "patient_name", "张三", false},
		{"被保险人:张三。患者:李四", DischargeSummary, "patient_name", "张三", false},
		{"被保险人:张三 性别:男 患者:李四", MedicalInvoice, "patient_name", "张三", false},
		// 交款人 is the patient only on a medical invoice.
		{"交款人:张三", DiagnosisCertificate, "patient_name", "张三", false},
		// A patient's label is no card holder's.
		{"患者:张三 持卡人:李四", BankCard, "holder_name", "张三", false},
		{"患者:张三", IDCard, "holder_name", "张三", false},
		{"交款人:张三", MedicalInvoice, "insured_name", "张三", false},
	} {
		if got := ReadsName(tc.line, tc.t, tc.field, tc.name); got != tc.want {
			t.Errorf("ReadsName(%q, %s, %s, %q): got %v, want %v", tc.line, tc.t, tc.field, tc.name, got, tc.want)
		}
	}
}
