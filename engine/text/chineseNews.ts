/**
 * A Chinese news-like text for the chapter's generation example (it trains on Chinese news),
 * which SeqLab cannot ship: wire-service leads ("新华社北京3月5日电（记者王伟）") followed by
 * sentences from a small seeded grammar of the kinds a news page is made of (statistics, new
 * buildings, officials' remarks, notices, the weather), with real words, full-width
 * punctuation and numbers. Under 300 distinct characters (lstm-vs-gru's vocabulary cap, so
 * none becomes the unknown token): enough structure for a model to learn in a minute, and
 * for its continuations to be judged. Same seed, same text.
 *
 * The grammar is data (templates and word lists) filled left to right with SeqLab's
 * generator, so the PyTorch scripts rebuild the same text character for character
 * (engine/export/scripts/seqlab_common.py; the interop check compares their SHA-256).
 */
import { Random } from '../core/random';

/** Every template's slots, in the order they are filled: a word list, or a number drawn as written below. */
export const CHINESE_NEWS_WORDS: Record<string, readonly string[]> = {
  city: ['北京', '上海', '广州', '深圳', '杭州', '南京', '成都', '武汉', '西安', '重庆', '天津', '长沙', '郑州', '青岛', '昆明'],
  org: ['国家统计局', '教育部', '科技部', '交通运输部', '中国人民银行', '国家气象中心', '市政府', '中国科学院', '商务部', '国家卫生健康委员会'],
  when: ['今天', '昨天', '近日', '本周', '今年以来', '上半年', '前三季度', '去年'],
  indicator: ['全国居民消费价格', '社会消费品零售总额', '规模以上工业增加值', '快递业务量', '粮食总产量', '城镇新增就业人数'],
  change: ['增长', '上涨', '下降', '增加'],
  build: ['新建', '开通', '建成', '启动建设', '改造'],
  facility: ['家医院', '座公园', '个地铁站', '座图书馆', '个科技园区', '座体育场'],
  purpose: ['方便市民出行', '满足群众需求', '推动经济发展', '改善生态环境', '提高公共服务水平'],
  speaker: ['业内专家', '有关负责人', '经济学家', '研究人员', '多位代表'],
  comment: ['这一变化说明经济运行总体平稳', '相关工作正在有序推进', '市场需求有望进一步恢复', '科技创新为发展提供了新动力', '要让更多群众享受到发展的成果'],
  policy: ['实行新的垃圾分类办法', '开通三条公交线路', '调整地铁运营时间', '开放新的图书馆', '举办国际马拉松比赛'],
  weather: ['晴', '多云', '有小雨', '阴转多云', '有阵雨', '有小雪'],
  surname: ['王', '李', '张', '刘', '陈', '杨', '周', '吴'],
  given: ['伟', '洋', '勇', '军', '杰', '涛', '明'],
};

/** What an item of a tally counts: "接待游客 320 万人次". */
export const CHINESE_NEWS_TALLIES: ReadonlyArray<readonly [string, string]> = [['接待游客', '万人次'], ['完成投资', '亿元'], ['新增企业', '家'], ['培训教师', '名']];

export const CHINESE_NEWS_LEAD = '新华社{city}{month}月{day}日电（记者{surname}{given}）';
export const CHINESE_NEWS_SENTENCES: readonly string[] = [
  '{org}{when}发布的数据显示，{indicator}同比{change}{percent}%。',
  '{when}，{city}{build}{count}{facility}，{purpose}。',
  '{speaker}表示，{comment}。',
  '据{org}介绍，{when}{city}共{tally}。',
  '{city}明天{weather}，气温{low}到{high}摄氏度。',
  '记者从{org}获悉，{city}将于{month}月{day}日起{policy}。',
];

/** The prompt SeqLab continues after training on this text. */
export const CHINESE_NEWS_PROMPT = '新华社北京';

function filler(rng: Random): (slot: string) => string {
  let low = 0;
  return (slot) => {
    switch (slot) {
      case 'month': return String(1 + rng.int(12));
      case 'day': return String(1 + rng.int(28));
      case 'percent': { const tenths = 1 + rng.int(99); return `${Math.floor(tenths / 10)}.${tenths % 10}`; }
      case 'count': return String(2 + rng.int(49));
      case 'low': low = rng.int(21) - 5; return String(low);
      case 'high': return String(low + 3 + rng.int(10));
      case 'tally': { const [what, unit] = CHINESE_NEWS_TALLIES[rng.int(CHINESE_NEWS_TALLIES.length)]; return `${what}${10 + rng.int(990)}${unit}`; }
      default: { const words = CHINESE_NEWS_WORDS[slot]; return words[rng.int(words.length)]; }
    }
  };
}

const fill = (template: string, slot: (name: string) => string) => template.replace(/\{(\w+)\}/g, (_, name: string) => slot(name));

/** About `characters` characters (whole paragraphs, so a little more) of news-like Chinese. Same seed, same text. */
export function generateChineseNews(characters = 80_000, seed = 7): string {
  const rng = new Random(seed);
  const slot = filler(rng);
  const parts: string[] = [];
  let length = 0;
  while (length < characters) {
    let paragraph = fill(CHINESE_NEWS_LEAD, slot);
    const sentences = 3 + rng.int(4);
    for (let i = 0; i < sentences; i++) paragraph += fill(CHINESE_NEWS_SENTENCES[rng.int(CHINESE_NEWS_SENTENCES.length)], slot);
    paragraph += '\n';
    parts.push(paragraph);
    length += paragraph.length;
  }
  return parts.join('');
}
