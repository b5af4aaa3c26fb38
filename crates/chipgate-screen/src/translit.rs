//! Script-specific transliteration: Han (pinyin with a business-term dictionary, Japanese
//! name readings, Sino-Korean readings), Hangul (algorithmic), Arabic/Persian/Hebrew
//! (consonant-faithful), Cyrillic.

use deunicode::deunicode_char;

use crate::token::{RawSink, Script};

/// Han business and place terms, translated to the English words romanised list entries
/// use (华为技术有限公司 → "hua wei technology co ltd"). Longest match wins.
const HAN_TERMS: &[(&str, &str)] = &[
    ("股份有限公司", "co ltd"),
    ("有限责任公司", "co ltd"),
    ("有限責任公司", "co ltd"),
    ("进出口", "import export"),
    ("進出口", "import export"),
    ("有限公司", "co ltd"),
    ("研究院", "research institute"),
    ("研究所", "research institute"),
    ("研究中心", "research center"),
    ("分公司", "branch"),
    ("集团", "group"),
    ("集團", "group"),
    ("控股", "holding"),
    ("股份", "shares"),
    ("公司", "co"),
    ("技术", "technology"),
    ("技術", "technology"),
    ("科技", "technology"),
    ("电子", "electronic"),
    ("電子", "electronic"),
    ("微电子", "microelectronics"),
    ("光电", "optoelectronic"),
    ("光電", "optoelectronic"),
    ("半导体", "semiconductor"),
    ("半導體", "semiconductor"),
    ("通信", "communication"),
    ("通讯", "communication"),
    ("通訊", "communication"),
    ("国际", "international"),
    ("國際", "international"),
    ("贸易", "trading"),
    ("貿易", "trading"),
    ("工业", "industry"),
    ("工業", "industry"),
    ("实业", "industrial"),
    ("實業", "industrial"),
    ("投资", "investment"),
    ("投資", "investment"),
    ("发展", "development"),
    ("發展", "development"),
    ("工程", "engineering"),
    ("设备", "equipment"),
    ("設備", "equipment"),
    ("航空", "aviation"),
    ("航天", "aerospace"),
    ("信息", "information"),
    ("网络", "network"),
    ("網絡", "network"),
    ("软件", "software"),
    ("軟件", "software"),
    ("智能", "intelligent"),
    ("机械", "machinery"),
    ("機械", "machinery"),
    ("制造", "manufacturing"),
    ("製造", "manufacturing"),
    ("物流", "logistics"),
    ("能源", "energy"),
    ("化工", "chemical"),
    ("材料", "materials"),
    ("精密", "precision"),
    ("仪器", "instrument"),
    ("儀器", "instrument"),
    ("系统", "system"),
    ("系統", "system"),
    ("数据", "data"),
    ("數據", "data"),
    ("银行", "bank"),
    ("銀行", "bank"),
    ("大学", "university"),
    ("大學", "university"),
    ("学院", "institute"),
    ("學院", "institute"),
    ("中心", "center"),
    ("研究", "research"),
    ("株式会社", "kk"),
    ("有限会社", "yk"),
    ("中华人民共和国", "china"),
    ("中國", "china"),
    ("中国", "china"),
    ("香港", "hong kong"),
];

/// Common Japanese surnames and given names in kanji, with their usual romanisation
/// (used for the Japanese reading of a Han name).
const JA_NAMES: &[(&str, &str)] = &[
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("渡邊", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("佐々木", "sasaki"),
    ("山口", "yamaguchi"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("斎藤", "saito"),
    ("斉藤", "saito"),
    ("清水", "shimizu"),
    ("山崎", "yamazaki"),
    ("池田", "ikeda"),
    ("橋本", "hashimoto"),
    ("阿部", "abe"),
    ("安倍", "abe"),
    ("石川", "ishikawa"),
    ("山下", "yamashita"),
    ("中島", "nakajima"),
    ("石井", "ishii"),
    ("小川", "ogawa"),
    ("前田", "maeda"),
    ("岡田", "okada"),
    ("長谷川", "hasegawa"),
    ("藤田", "fujita"),
    ("後藤", "goto"),
    ("近藤", "kondo"),
    ("村上", "murakami"),
    ("遠藤", "endo"),
    ("青木", "aoki"),
    ("坂本", "sakamoto"),
    ("福田", "fukuda"),
    ("太田", "ota"),
    ("西村", "nishimura"),
    ("藤井", "fujii"),
    ("金子", "kaneko"),
    ("岡本", "okamoto"),
    ("藤原", "fujiwara"),
    ("中野", "nakano"),
    ("三浦", "miura"),
    ("原田", "harada"),
    ("中川", "nakagawa"),
    ("松田", "matsuda"),
    ("竹内", "takeuchi"),
    ("小野", "ono"),
    ("田村", "tamura"),
    ("中山", "nakayama"),
    ("和田", "wada"),
    ("石田", "ishida"),
    ("森田", "morita"),
    ("上田", "ueda"),
    ("内田", "uchida"),
    ("柴田", "shibata"),
    ("酒井", "sakai"),
    ("宮崎", "miyazaki"),
    ("横山", "yokoyama"),
    ("高木", "takagi"),
    ("安藤", "ando"),
    ("宮本", "miyamoto"),
    ("大野", "ono"),
    ("小島", "kojima"),
    ("谷口", "taniguchi"),
    ("今井", "imai"),
    ("工藤", "kudo"),
    ("高田", "takada"),
    ("増田", "masuda"),
    ("丸山", "maruyama"),
    ("杉山", "sugiyama"),
    ("村田", "murata"),
    ("大塚", "otsuka"),
    ("新井", "arai"),
    ("小山", "koyama"),
    ("平野", "hirano"),
    ("藤本", "fujimoto"),
    ("河野", "kono"),
    ("上野", "ueno"),
    ("野口", "noguchi"),
    ("武田", "takeda"),
    ("松井", "matsui"),
    ("千葉", "chiba"),
    ("岩崎", "iwasaki"),
    ("菅原", "sugawara"),
    ("木下", "kinoshita"),
    ("久保", "kubo"),
    ("佐野", "sano"),
    ("野村", "nomura"),
    ("松尾", "matsuo"),
    ("市川", "ichikawa"),
    ("菊地", "kikuchi"),
    ("杉本", "sugimoto"),
    ("古川", "furukawa"),
    ("大西", "onishi"),
    ("島田", "shimada"),
    ("水野", "mizuno"),
    ("桜井", "sakurai"),
    ("高野", "takano"),
    ("吉川", "yoshikawa"),
    ("山内", "yamauchi"),
    ("西田", "nishida"),
    ("飯田", "iida"),
    ("菊池", "kikuchi"),
    ("小松", "komatsu"),
    ("北村", "kitamura"),
    ("安田", "yasuda"),
    ("五十嵐", "igarashi"),
    ("川口", "kawaguchi"),
    ("平田", "hirata"),
    ("中田", "nakata"),
    ("久保田", "kubota"),
    ("服部", "hattori"),
    ("岩田", "iwata"),
    ("土屋", "tsuchiya"),
    ("川崎", "kawasaki"),
    ("福島", "fukushima"),
    ("本田", "honda"),
    ("樋口", "higuchi"),
    ("秋山", "akiyama"),
    ("田口", "taguchi"),
    ("永井", "nagai"),
    ("山中", "yamanaka"),
    ("中西", "nakanishi"),
    ("吉村", "yoshimura"),
    ("川上", "kawakami"),
    ("大橋", "ohashi"),
    ("石原", "ishihara"),
    ("松岡", "matsuoka"),
    ("馬場", "baba"),
    ("浜田", "hamada"),
    ("森本", "morimoto"),
    ("星野", "hoshino"),
    ("矢野", "yano"),
    ("浅野", "asano"),
    ("大久保", "okubo"),
    ("松下", "matsushita"),
    ("吉岡", "yoshioka"),
    ("小池", "koike"),
    ("野田", "noda"),
    ("荒木", "araki"),
    ("大谷", "otani"),
    ("内藤", "naito"),
    ("松浦", "matsuura"),
    ("熊谷", "kumagai"),
    ("黒田", "kuroda"),
    ("尾崎", "ozaki"),
    ("永田", "nagata"),
    ("川村", "kawamura"),
    ("望月", "mochizuki"),
    ("田辺", "tanabe"),
    ("松村", "matsumura"),
    ("荒井", "arai"),
    ("大島", "oshima"),
    ("平井", "hirai"),
    ("早川", "hayakawa"),
    ("菅野", "kanno"),
    ("栗原", "kurihara"),
    ("西川", "nishikawa"),
    ("高市", "takaichi"),
    ("岸田", "kishida"),
    ("石破", "ishiba"),
    ("麻生", "aso"),
    ("小泉", "koizumi"),
    ("鳩山", "hatoyama"),
    ("豊田", "toyoda"),
    ("森", "mori"),
    ("林", "hayashi"),
    ("原", "hara"),
    ("菅", "suga"),
    ("岸", "kishi"),
    ("堀", "hori"),
    ("関", "seki"),
    ("辻", "tsuji"),
    ("太郎", "taro"),
    ("花子", "hanako"),
    ("一郎", "ichiro"),
    ("次郎", "jiro"),
    ("三郎", "saburo"),
    ("健太", "kenta"),
    ("大輔", "daisuke"),
    ("拓也", "takuya"),
    ("直樹", "naoki"),
    ("翔太", "shota"),
    ("陽子", "yoko"),
    ("洋子", "yoko"),
    ("恵子", "keiko"),
    ("幸子", "sachiko"),
    ("和子", "kazuko"),
    ("明美", "akemi"),
    ("由美", "yumi"),
    ("真由美", "mayumi"),
    ("美穂", "miho"),
    ("晋三", "shinzo"),
    ("文雄", "fumio"),
    ("早苗", "sanae"),
    ("義偉", "yoshihide"),
    ("純一郎", "junichiro"),
    ("茂", "shigeru"),
    ("浩", "hiroshi"),
    ("博", "hiroshi"),
    ("隆", "takashi"),
    ("誠", "makoto"),
    ("聡", "satoshi"),
    ("健", "ken"),
    ("学", "manabu"),
    ("愛", "ai"),
    ("恵", "megumi"),
    ("裕子", "yuko"),
    ("優子", "yuko"),
    ("直子", "naoko"),
    ("智子", "tomoko"),
    ("久美子", "kumiko"),
    ("正", "tadashi"),
    ("清", "kiyoshi"),
];

/// Hanja common in Korean names, with the reading Korean names are romanised by
/// (金正恩 → "kim jong un").
const KO_HANJA: &[(char, &str)] = &[
    ('金', "kim"),
    ('李', "lee"),
    ('朴', "park"),
    ('崔', "choi"),
    ('鄭', "jung"),
    ('郑', "jung"),
    ('姜', "kang"),
    ('趙', "cho"),
    ('赵', "cho"),
    ('尹', "yoon"),
    ('張', "jang"),
    ('张', "jang"),
    ('林', "lim"),
    ('韓', "han"),
    ('韩', "han"),
    ('吳', "oh"),
    ('吴', "oh"),
    ('申', "shin"),
    ('徐', "seo"),
    ('權', "kwon"),
    ('权', "kwon"),
    ('黃', "hwang"),
    ('黄', "hwang"),
    ('安', "ahn"),
    ('宋', "song"),
    ('全', "jeon"),
    ('洪', "hong"),
    ('高', "ko"),
    ('文', "moon"),
    ('孫', "son"),
    ('孙', "son"),
    ('梁', "yang"),
    ('白', "paek"),
    ('許', "heo"),
    ('许', "heo"),
    ('盧', "roh"),
    ('卢', "roh"),
    ('河', "ha"),
    ('丁', "jung"),
    ('車', "cha"),
    ('车', "cha"),
    ('具', "ku"),
    ('元', "won"),
    ('玄', "hyon"),
    ('咸', "ham"),
    ('秋', "chu"),
    ('石', "sok"),
    ('馬', "ma"),
    ('吉', "kil"),
    ('魏', "wi"),
    ('南', "nam"),
    ('正', "jong"),
    ('恩', "un"),
    ('日', "il"),
    ('成', "song"),
    ('哲', "chol"),
    ('英', "yong"),
    ('永', "yong"),
    ('明', "myong"),
    ('國', "guk"),
    ('国', "guk"),
    ('秀', "su"),
    ('浩', "ho"),
    ('虎', "ho"),
    ('男', "nam"),
    ('光', "kwang"),
    ('東', "dong"),
    ('东', "dong"),
    ('民', "min"),
    ('鐵', "chol"),
    ('铁', "chol"),
    ('革', "hyok"),
    ('赫', "hyok"),
    ('勇', "yong"),
    ('龍', "ryong"),
    ('龙', "ryong"),
    ('洙', "su"),
    ('澤', "thaek"),
    ('泽', "thaek"),
    ('熙', "hui"),
    ('姬', "hui"),
    ('善', "son"),
    ('淑', "suk"),
    ('順', "sun"),
    ('顺', "sun"),
    ('玉', "ok"),
    ('貞', "jong"),
    ('贞', "jong"),
    ('惠', "hye"),
    ('珍', "jin"),
    ('鎭', "jin"),
    ('镇', "jin"),
    ('春', "chun"),
    ('根', "gun"),
    ('基', "gi"),
    ('九', "gu"),
    ('萬', "man"),
    ('万', "man"),
    ('錫', "sok"),
    ('锡', "sok"),
    ('烈', "ryol"),
    ('在', "jae"),
    ('載', "jae"),
    ('仁', "in"),
    ('雲', "un"),
    ('亨', "hyong"),
    ('焕', "hwan"),
    ('煥', "hwan"),
    ('植', "sik"),
    ('壽', "su"),
    ('寿', "su"),
    ('德', "dok"),
    ('道', "do"),
    ('斗', "du"),
    ('漢', "han"),
    ('汉', "han"),
    ('海', "hae"),
    ('鎬', "ho"),
    ('昌', "chang"),
    ('俊', "jun"),
    ('宇', "woo"),
    ('賢', "hyun"),
    ('贤', "hyun"),
    ('泰', "tae"),
    ('大', "dae"),
    ('中', "jung"),
    ('載', "jae"),
    ('敏', "min"),
    ('智', "ji"),
    ('知', "ji"),
    ('志', "ji"),
    ('允', "yun"),
    ('相', "sang"),
    ('承', "seung"),
    ('勝', "seung"),
    ('炳', "byung"),
    ('秉', "byung"),
    ('容', "yong"),
    ('一', "il"),
    ('淳', "sun"),
    ('榮', "yong"),
    ('荣', "yong"),
    ('奎', "kyu"),
    ('圭', "kyu"),
    ('振', "jin"),
    ('晶', "jeong"),
    ('錦', "kum"),
    ('锦', "kum"),
    ('松', "song"),
    ('柱', "ju"),
    ('周', "ju"),
    ('朱', "ju"),
    ('範', "bom"),
    ('范', "bom"),
];

/// Generic organisation words (canonical forms) used to tell company names from persons.
pub(crate) fn is_org_word(t: &str) -> bool {
    matches!(
        t,
        "bank"
            | "group"
            | "technology"
            | "industry"
            | "industrial"
            | "international"
            | "holding"
            | "trading"
            | "service"
            | "system"
            | "solution"
            | "electronic"
            | "communication"
            | "enterprise"
            | "product"
            | "resource"
            | "organization"
            | "center"
            | "department"
            | "university"
            | "association"
            | "institute"
            | "research"
            | "foundation"
            | "fund"
            | "trust"
            | "partners"
            | "ministry"
            | "agency"
            | "factory"
            | "plant"
            | "shipping"
            | "airlines"
            | "airline"
            | "petroleum"
            | "oil"
            | "gas"
            | "energy"
            | "investment"
            | "investments"
            | "development"
            | "engineering"
            | "import"
            | "export"
            | "logistics"
            | "chemical"
            | "global"
            | "marine"
            | "aviation"
            | "aerospace"
            | "construction"
            | "committee"
            | "office"
            | "army"
            | "navy"
            | "brigade"
            | "front"
            | "party"
            | "council"
            | "branch"
    )
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

fn longest<'t>(chars: &[char], table: &'t [(&str, &str)], max: usize) -> Option<(usize, &'t str)> {
    let mut best: Option<(usize, &'t str)> = None;
    let first = *chars.first()?;
    for (k, v) in table {
        let mut kc = k.chars();
        if kc.next() != Some(first) {
            continue;
        }
        let n = k.chars().count();
        if n > max || n > chars.len() || best.map(|b| b.0 >= n).unwrap_or(false) {
            continue;
        }
        if kc.zip(&chars[1..]).all(|(a, &b)| a == b) {
            best = Some((n, v));
        }
    }
    best
}

fn push_words(sink: &mut RawSink<'_>, words: &str, script: Script) {
    for w in words.split(' ') {
        sink.push(w, script, false, None);
    }
}

fn pinyin_of(c: char) -> String {
    deunicode_char(c)
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Common Chinese surnames (simplified and traditional), used to split a personal name
/// written without spaces into surname and given name (习近平 → "xi jinping").
const CN_SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤习張劉陳楊黃趙吳許韓馮鄧蕭葉蘇呂盧鍾譚陸賈鄒龔萬錢湯鄭謝羅孫馬溫温傅柳";

/// Han run, Mandarin reading: business terms from [`HAN_TERMS`]; the other characters are
/// read in pinyin and each run of them written as one word ("华为" → "huawei"), except a
/// whole segment of two to four characters starting with a common surname, which is read as
/// surname and given name ("习近平" → "xi jinping").
pub(crate) fn han_pinyin(text: &str, sink: &mut RawSink<'_>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut word: Vec<char> = Vec::new();
    let whole_name = (2..=4).contains(&chars.len()) && longest(&chars, HAN_TERMS, 7).is_none();
    let flush = |word: &mut Vec<char>, sink: &mut RawSink<'_>, at_start: bool| {
        if word.is_empty() {
            return;
        }
        let split = at_start && whole_name && word.len() == chars.len() && CN_SURNAMES.contains(word[0]);
        let (head, rest) = if split {
            word.split_at(1)
        } else {
            (&word[..0], &word[..])
        };
        if !head.is_empty() {
            sink.push(&pinyin_of(head[0]), Script::Han, false, None);
        }
        let joined: String = rest.iter().map(|&c| pinyin_of(c)).collect();
        sink.push(&joined, Script::Han, false, None);
        word.clear();
    };
    let mut word_start = 0;
    while i < chars.len() {
        if let Some((n, words)) = longest(&chars[i..], HAN_TERMS, 7) {
            flush(&mut word, sink, word_start == 0);
            push_words(sink, words, Script::Han);
            i += n;
            word_start = i;
            continue;
        }
        let c = chars[i];
        if is_han(c) {
            word.push(c);
        } else {
            flush(&mut word, sink, word_start == 0);
            word_start = i + 1;
        }
        i += 1;
    }
    flush(&mut word, sink, word_start == 0);
}

/// Han run, Japanese reading: names from [`JA_NAMES`] and terms from [`HAN_TERMS`]; other
/// characters fall back to pinyin. Returns whether a Japanese name was found.
pub(crate) fn han_japanese(text: &str, sink: &mut RawSink<'_>) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut found = false;
    let mut word = String::new();
    let flush = |word: &mut String, sink: &mut RawSink<'_>| {
        if !word.is_empty() {
            sink.push(word, Script::Han, false, None);
            word.clear();
        }
    };
    while i < chars.len() {
        if let Some((n, words)) = longest(&chars[i..], JA_NAMES, 3) {
            flush(&mut word, sink);
            push_words(sink, words, Script::Han);
            found = true;
            i += n;
            continue;
        }
        if let Some((n, words)) = longest(&chars[i..], HAN_TERMS, 7) {
            flush(&mut word, sink);
            push_words(sink, words, Script::Han);
            i += n;
            continue;
        }
        let c = chars[i];
        if is_han(c) {
            word.push_str(&pinyin_of(c));
        } else {
            flush(&mut word, sink);
        }
        i += 1;
    }
    flush(&mut word, sink);
    found
}

/// Han run of two to four characters, all in [`KO_HANJA`]: the Sino-Korean reading, surname
/// first. Returns false (and pushes nothing) otherwise.
pub(crate) fn han_korean(text: &str, sink: &mut RawSink<'_>) -> bool {
    let chars: Vec<char> = text.chars().collect();
    if !(2..=4).contains(&chars.len()) {
        return false;
    }
    let mut readings = Vec::with_capacity(chars.len());
    for c in &chars {
        match KO_HANJA.iter().find(|(h, _)| h == c) {
            Some((_, r)) => readings.push(*r),
            None => return false,
        }
    }
    for (i, r) in readings.iter().enumerate() {
        sink.push(r, Script::Han, i >= 2, None);
    }
    true
}

const HANGUL_L: [&str; 19] = [
    "k", "kk", "n", "d", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h",
];
const HANGUL_V: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu",
    "ui", "i",
];
const HANGUL_T: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t",
    "t", "k", "t", "p", "t",
];

/// Usual romanisation of common Korean surnames (first syllable of a name).
const HANGUL_SURNAMES: &[(char, &str)] = &[
    ('김', "kim"),
    ('이', "lee"),
    ('박', "park"),
    ('최', "choi"),
    ('정', "jung"),
    ('강', "kang"),
    ('조', "cho"),
    ('윤', "yoon"),
    ('장', "jang"),
    ('임', "lim"),
    ('한', "han"),
    ('오', "oh"),
    ('서', "seo"),
    ('신', "shin"),
    ('권', "kwon"),
    ('황', "hwang"),
    ('안', "ahn"),
    ('송', "song"),
    ('류', "ryu"),
    ('전', "jeon"),
    ('홍', "hong"),
    ('고', "ko"),
    ('문', "moon"),
    ('양', "yang"),
    ('손', "son"),
    ('배', "bae"),
    ('백', "baek"),
    ('허', "heo"),
    ('노', "noh"),
    ('리', "ri"),
    ('량', "ryang"),
    ('류', "ryu"),
];

/// Hangul word: syllables romanised (initial/medial/final jamo) and written as one token
/// (a given name is one unit: 은정 → "eunjeong"); in a word of two to four syllables a first
/// syllable that is a common surname is a token of its own (김정은 → "kim jeongeun").
pub(crate) fn hangul(text: &str, sink: &mut RawSink<'_>) {
    let chars: Vec<char> = text.chars().collect();
    let surname_word = (2..=4).contains(&chars.len());
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let u = c as u32;
        if !(0xAC00..=0xD7A3).contains(&u) {
            continue;
        }
        if i == 0 && surname_word {
            if let Some((_, r)) = HANGUL_SURNAMES.iter().find(|(h, _)| *h == c) {
                sink.push(r, Script::Hangul, false, None);
                continue;
            }
        }
        let s = (u - 0xAC00) as usize;
        let (l, v, t) = (s / 588, (s % 588) / 28, s % 28);
        word.push_str(HANGUL_L.get(l).copied().unwrap_or(""));
        word.push_str(HANGUL_V.get(v).copied().unwrap_or(""));
        word.push_str(HANGUL_T.get(t).copied().unwrap_or(""));
    }
    sink.push(&word, Script::Hangul, false, None);
}

/// Cyrillic to ASCII (deunicode's GOST-like table).
pub(crate) fn cyrillic(text: &str) -> String {
    deunicode::deunicode(text)
}

/// Arabic, Persian, Urdu and Hebrew to ASCII, consonant-faithful: Persian kaf is `k`, ta
/// marbuta and alif maqsura are `a`, hamza carriers are their vowel, Hebrew het is `h`.
pub(crate) fn abjad(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        let s: &str = match c {
            'ک' | 'ك' => "k",
            'ة' => "a",
            'ى' | 'ا' | 'أ' | 'إ' | 'آ' | 'ٱ' => "a",
            'ئ' | 'ی' | 'ي' | 'ې' | 'ے' => "y",
            'ؤ' | 'و' => "w",
            'ء' | 'ع' | 'ٔ' => "",
            'غ' => "gh",
            'ح' | 'ه' | 'ۀ' | 'ھ' => "h",
            'ض' => "d",
            'ظ' => "z",
            'ص' => "s",
            'ط' => "t",
            'ژ' => "zh",
            'ח' => "h",
            'ע' | 'א' => "",
            'כ' | 'ך' => "k",
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{05B0}'..='\u{05C7}' | '\u{200C}' | '\u{200D}' => "",
            _ => deunicode_char(c).unwrap_or(""),
        };
        out.push_str(s);
    }
    out
}
