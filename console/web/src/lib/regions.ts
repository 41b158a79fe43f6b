// Administrative divisions (GB/T 2260) by name: a region is stored as its
// code (310115), and people read 上海市浦东新区 (issue 20). The table holds
// the provinces and the divisions the platform's catastrophe teams use
// most; a code below a known division is named by it with its code.

type Names = { zh: string; en: string };

const divisions: Readonly<Record<string, Names>> = {
  '11': { zh: '北京市', en: 'Beijing' },
  '12': { zh: '天津市', en: 'Tianjin' },
  '13': { zh: '河北省', en: 'Hebei' },
  '14': { zh: '山西省', en: 'Shanxi' },
  '15': { zh: '内蒙古自治区', en: 'Inner Mongolia' },
  '21': { zh: '辽宁省', en: 'Liaoning' },
  '22': { zh: '吉林省', en: 'Jilin' },
  '23': { zh: '黑龙江省', en: 'Heilongjiang' },
  '31': { zh: '上海市', en: 'Shanghai' },
  '32': { zh: '江苏省', en: 'Jiangsu' },
  '33': { zh: '浙江省', en: 'Zhejiang' },
  '34': { zh: '安徽省', en: 'Anhui' },
  '35': { zh: '福建省', en: 'Fujian' },
  '36': { zh: '江西省', en: 'Jiangxi' },
  '37': { zh: '山东省', en: 'Shandong' },
  '41': { zh: '河南省', en: 'Henan' },
  '42': { zh: '湖北省', en: 'Hubei' },
  '43': { zh: '湖南省', en: 'Hunan' },
  '44': { zh: '广东省', en: 'Guangdong' },
  '45': { zh: '广西壮族自治区', en: 'Guangxi' },
  '46': { zh: '海南省', en: 'Hainan' },
  '50': { zh: '重庆市', en: 'Chongqing' },
  '51': { zh: '四川省', en: 'Sichuan' },
  '52': { zh: '贵州省', en: 'Guizhou' },
  '53': { zh: '云南省', en: 'Yunnan' },
  '54': { zh: '西藏自治区', en: 'Tibet' },
  '61': { zh: '陕西省', en: 'Shaanxi' },
  '62': { zh: '甘肃省', en: 'Gansu' },
  '63': { zh: '青海省', en: 'Qinghai' },
  '64': { zh: '宁夏回族自治区', en: 'Ningxia' },
  '65': { zh: '新疆维吾尔自治区', en: 'Xinjiang' },
  '71': { zh: '台湾省', en: 'Taiwan' },
  '81': { zh: '香港特别行政区', en: 'Hong Kong' },
  '82': { zh: '澳门特别行政区', en: 'Macao' },
  // The municipalities' districts are named after the city itself.
  '1101': { zh: '', en: '' },
  '1201': { zh: '', en: '' },
  '3101': { zh: '', en: '' },
  '5001': { zh: '', en: '' },
  '310101': { zh: '黄浦区', en: 'Huangpu' },
  '310104': { zh: '徐汇区', en: 'Xuhui' },
  '310105': { zh: '长宁区', en: 'Changning' },
  '310106': { zh: '静安区', en: "Jing'an" },
  '310107': { zh: '普陀区', en: 'Putuo' },
  '310109': { zh: '虹口区', en: 'Hongkou' },
  '310110': { zh: '杨浦区', en: 'Yangpu' },
  '310112': { zh: '闵行区', en: 'Minhang' },
  '310113': { zh: '宝山区', en: 'Baoshan' },
  '310114': { zh: '嘉定区', en: 'Jiading' },
  '310115': { zh: '浦东新区', en: 'Pudong' },
  '310116': { zh: '金山区', en: 'Jinshan' },
  '310117': { zh: '松江区', en: 'Songjiang' },
  '310118': { zh: '青浦区', en: 'Qingpu' },
  '310120': { zh: '奉贤区', en: 'Fengxian' },
  '310151': { zh: '崇明区', en: 'Chongming' },
  '3201': { zh: '南京市', en: 'Nanjing' },
  '3205': { zh: '苏州市', en: 'Suzhou' },
  '3301': { zh: '杭州市', en: 'Hangzhou' },
  '3302': { zh: '宁波市', en: 'Ningbo' },
  '3501': { zh: '福州市', en: 'Fuzhou' },
  '3502': { zh: '厦门市', en: 'Xiamen' },
  '4401': { zh: '广州市', en: 'Guangzhou' },
  '4403': { zh: '深圳市', en: 'Shenzhen' },
  '4404': { zh: '珠海市', en: 'Zhuhai' },
  '4406': { zh: '佛山市', en: 'Foshan' },
  '4419': { zh: '东莞市', en: 'Dongguan' },
  '4601': { zh: '海口市', en: 'Haikou' },
  '4602': { zh: '三亚市', en: 'Sanya' },
};

/**
 * regionName names a division code in lang: 310115 → 上海市浦东新区,
 * Pudong, Shanghai. A code the table does not know to its last level, or
 * any code when withCode, keeps its code in brackets; a text that is no
 * code is returned as it is.
 */
export function regionName(code: string, lang: string, withCode = false): string {
  if (!/^\d{2,12}$/.test(code)) return code;
  const parts: string[] = [];
  let known = 0;
  for (const len of [2, 4, 6]) {
    if (code.length < len) break;
    const d = divisions[code.slice(0, len)];
    if (!d) break;
    known = len;
    const name = lang === 'en' ? d.en : d.zh;
    if (name) parts.push(name);
  }
  if (parts.length === 0) return code;
  const named = lang === 'en' ? parts.reverse().join(', ') : parts.join('');
  if (known >= code.length && !withCode) return named;
  return lang === 'en' ? `${named} (${code})` : `${named}（${code}）`;
}
